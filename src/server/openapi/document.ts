// The document at /v1/openapi.json, made by @fastify/swagger from the route schemas and finished here in one pass:
// operation ids, security and the error answers per operation (operations.ts), named schemas (components.ts), the
// error envelope per status (error-schemas.ts), the headers every answer carries, and the formats as the server's
// validator enforces them. Every route is treated alike, the core's and each module's.
import { STATUS_CODES } from 'node:http';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { ComponentCollector } from './components.js';
import { errorComponents, errorResponse } from './error-schemas.js';
import { describeOperation } from './operations.js';

type Node = Record<string, unknown>;
type Operation = Node & { parameters?: unknown[]; responses?: Record<string, Node & { headers?: Node; content?: Record<string, { schema?: unknown }> }> };
type Doc = Node & { paths?: Record<string, Record<string, Operation>>; components?: Record<string, Record<string, unknown>> };

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace']);
const isObject = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * JSON Schema's `format: email` admits addresses (`0@com`) that the server's validator (ajv-formats, full mode)
 * refuses, so clients and test generators would send what is then a 400: the document states the validator's own
 * expression, case-folded by hand since a pattern carries no flags.
 */
const EMAIL_PATTERN = fullFormats.email instanceof RegExp ? fullFormats.email.source.replaceAll('a-z', 'a-zA-Z') : undefined;

const HEADERS = {
  'X-Request-Id': {
    description: "The request's id: the caller's X-Request-Id when it is 1-128 of `A-Za-z0-9._:-`, else a new one. Quote it when reporting a problem.",
    schema: { type: 'string' },
  },
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 0 } },
  ETag: { description: "The task's version, in double quotes; send it back in If-Match to write only that version.", schema: { type: 'string' } },
};

const PARAMETERS = {
  requestId: {
    name: 'X-Request-Id',
    in: 'header',
    required: false,
    description: 'An id to follow this request by (1-128 of `A-Za-z0-9._:-`); the answer carries it back. Another value is replaced, not refused.',
    schema: { type: 'string' },
  },
};

const header = (name: keyof typeof HEADERS) => ({ $ref: `#/components/headers/${name}` });

/** The `transform` option of @fastify/swagger: each route's schema as the document describes it. */
export function transformRoute<S extends object>({
  schema,
  url,
  route,
}: {
  schema: S;
  url: string;
  route: { method: string | string[] };
}): { schema: S; url: string } {
  const method = Array.isArray(route.method) ? route.method[0]! : route.method;
  if (!isObject(schema) || schema.hide === true) return { schema, url };
  return { schema: describeOperation(method, url, schema) as S, url };
}

function addEmailPatterns(node: unknown): void {
  if (Array.isArray(node)) for (const n of node) addEmailPatterns(n);
  else if (isObject(node)) {
    if (node.format === 'email' && node.pattern === undefined && EMAIL_PATTERN) node.pattern = EMAIL_PATTERN;
    for (const v of Object.values(node)) addEmailPatterns(v);
  }
}

/** The `transformObject` pass: finishes the document @fastify/swagger generated. */
export function finishDocument(generated: Node): Node {
  const doc = structuredClone(generated) as Doc;
  const components = (doc.components ??= {});
  const schemas = (components.schemas ??= {});
  Object.assign(schemas, errorComponents());
  components.headers = { ...components.headers, ...HEADERS };
  components.parameters = { ...components.parameters, ...PARAMETERS };
  const named = new ComponentCollector(schemas);
  for (const operations of Object.values(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(operations)) {
      if (!METHODS.has(method)) continue;
      (op.parameters ??= []).push({ $ref: '#/components/parameters/requestId' });
      for (const p of op.parameters) if (isObject(p) && p.schema) p.schema = named.name(p.schema);
      const body = (op.requestBody as { content?: Record<string, { schema?: unknown }> } | undefined)?.content;
      for (const media of Object.values(body ?? {})) media.schema = named.name(media.schema);
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        const code = Number(status);
        const out =
          code >= 400 || status === 'default' ? { ...errorResponse(code, schemas), ...(response.headers ? { headers: response.headers } : {}) } : response;
        for (const media of Object.values(out.content ?? {})) media.schema = named.name(media.schema);
        const headers: Node = { ...out.headers, 'X-Request-Id': header('X-Request-Id') };
        if (code === 429 || code === 503) headers['Retry-After'] = header('Retry-After');
        const json = out.content?.['application/json']?.schema as Node | undefined;
        if (code === 304 || json?.$ref === '#/components/schemas/Task') headers.ETag = header('ETag');
        // @fastify/swagger's placeholder description says nothing; the status's own name does.
        const description = out.description === 'Default Response' ? (STATUS_CODES[code] ?? out.description) : out.description;
        op.responses![status] = { ...out, description, headers };
      }
    }
  }
  addEmailPatterns(doc);
  return doc;
}
