// Request validation with one ajv per part of the request. Query strings and path parameters arrive as text, so
// they are coerced (`?limit=5` is the number 5, a lone `?status=todo` an array of one). Bodies are JSON and already
// typed: coercing them would accept `{"title": 42}` as the title "42", so body types are checked strictly.
// Validation stops at the first error (ajv's allErrors off): collecting every error of an untrusted body costs time
// and memory in proportion to the body (a 1 MB object of 125 000 unknown keys would be answered with 125 000 errors),
// a known denial-of-service pattern; one named field is enough for a client to fix its request.
import { Ajv, type Options } from 'ajv';
import formats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

function ajv(options: Options): Ajv {
  const instance = new Ajv({ allErrors: false, removeAdditional: false, useDefaults: true, ...options });
  // A CommonJS module whose default export TypeScript sees one level down.
  const addFormats = ((formats as unknown as { default?: unknown }).default ?? formats) as (ajv: Ajv) => Ajv;
  addFormats(instance);
  return instance;
}

export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = ajv({ coerceTypes: false });
  const coercing = ajv({ coerceTypes: 'array' });
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema as object);
}
