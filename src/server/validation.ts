// Request validation with one ajv per part of the request. Query strings and path parameters arrive as text, so
// they are coerced (`?limit=5` is the number 5, a lone `?status=todo` an array of one). Bodies are JSON and already
// typed: coercing them would accept `{"title": 42}` as the title "42", so body types are checked strictly.
// Validation stops at the first error (ajv's allErrors off): collecting every error of an untrusted body costs time
// and memory in proportion to the body (a 1 MB object of 125 000 unknown keys would be answered with 125 000 errors),
// a known denial-of-service pattern; one named field is enough for a client to fix its request.
//
// Each route's validator is compiled when it first validates, not when the route is declared: compiling every
// schema (and ajv's meta-schema) was most of the time a server took to start, and a test server seldom calls more
// than a few of its routes. ajv itself is loaded then too, through a plain `require` (see serialization.ts for why).
import type { Ajv, Options, ValidateFunction } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

function ajv(options: Options): Ajv {
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded on first compile, inside the bundle (serialization.ts) */
  const { Ajv: AjvClass } = require('ajv') as typeof import('ajv');
  const formats = require('ajv-formats') as typeof import('ajv-formats');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const instance = new AjvClass({ allErrors: false, removeAdditional: false, useDefaults: true, ...options });
  // A CommonJS module whose default export TypeScript sees one level down.
  const addFormats = ((formats as unknown as { default?: unknown }).default ?? formats) as (ajv: Ajv) => Ajv;
  addFormats(instance);
  return instance;
}

/**
 * A validator that compiles `schema` on its first call and behaves as the compiled one from then on: same answer,
 * same `errors` after a failure, and the same `schemaEnv`, which Fastify reads to hand ajv the parent object (so a
 * coerced root value is written back to the request).
 */
function compiledOnFirstUse(compile: () => ValidateFunction): ValidateFunction {
  let compiled: ValidateFunction | undefined;
  const validate = ((data: unknown, ctx?: unknown) => {
    compiled ??= compile();
    const valid = compiled(data, ctx as Parameters<ValidateFunction>[1]);
    validate.errors = compiled.errors;
    return valid;
  }) as ValidateFunction;
  Object.defineProperty(validate, 'schemaEnv', { get: () => (compiled ??= compile()).schemaEnv });
  return validate;
}

export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  let strict: Ajv | undefined;
  let coercing: Ajv | undefined;
  return ({ schema, httpPart }) =>
    compiledOnFirstUse(() =>
      httpPart === 'body'
        ? (strict ??= ajv({ coerceTypes: false })).compile(schema as object)
        : (coercing ??= ajv({ coerceTypes: 'array' })).compile(schema as object),
    );
}
