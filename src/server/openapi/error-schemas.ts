// The error envelope in the OpenAPI document: one named schema per error code, with `details` typed as that code
// fills it, a union of them all discriminated by `code`, and per status an envelope naming the code it carries, so a
// generated client narrows `error.code` and reads `details` without a cast. Only the document uses these: the server
// answers through the catalogue (src/errors.ts) and the one handler (error-handler.ts).

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

/** `{field, message}`: one problem with one part of the request (`body.title`, `headers.if-match`...). */
const FieldProblem: Schema = {
  type: 'object',
  required: ['field', 'message'],
  properties: {
    field: { type: 'string', description: 'where the problem is: the part of the request, then the path to the field' },
    message: { type: 'string' },
  },
};

/** What the database reported of a constraint a write broke. */
const ConstraintInfo: Schema = {
  type: 'object',
  properties: { constraint: { type: 'string' }, table: { type: 'string' }, columns: { type: 'array', items: { type: 'string' } } },
};

interface ErrorKind {
  /** The schema's name in components.schemas (the envelope is `${name}Error`). */
  readonly name: string;
  readonly code: string;
  /** Undefined for a code answered with several statuses. */
  readonly status: number | undefined;
  readonly description: string;
  readonly details?: Schema;
  /** Every error of this code carries details (a 412 always says the current version). */
  readonly alwaysDetailed?: boolean;
}

/** Every code a documented operation can answer with, by status. */
export const ERROR_KINDS: readonly ErrorKind[] = [
  {
    name: 'ValidationFailed',
    code: 'validation_failed',
    status: 400,
    description: 'The request is malformed; `details` names the field.',
    details: { anyOf: [{ type: 'array', items: ref('FieldProblem') }, ref('ConstraintInfo')] },
  },
  { name: 'Unauthenticated', code: 'unauthenticated', status: 401, description: 'No bearer token, or one that is not (or no longer) valid.' },
  {
    name: 'Forbidden',
    code: 'forbidden',
    status: 403,
    description: 'The caller lacks the permission the operation needs.',
    alwaysDetailed: true,
    details: { type: 'object', required: ['permission'], properties: { permission: { type: 'string', description: 'the missing permission' } } },
  },
  { name: 'NotFound', code: 'not_found', status: 404, description: "No such resource in the caller's organization." },
  { name: 'MethodNotAllowed', code: 'method_not_allowed', status: 405, description: 'The path exists but not with this method; `Allow` lists its methods.' },
  {
    name: 'Conflict',
    code: 'conflict',
    status: 409,
    description: 'The write conflicts with what is stored (a taken name, a role still held...).',
    details: {
      anyOf: [
        { type: 'array', items: { type: 'object', additionalProperties: true, description: 'a field in conflict, or a holder of what is removed' } },
        { type: 'object', additionalProperties: true, description: 'the constraint broken, or the broken audit record' },
      ],
    },
  },
  {
    name: 'PreconditionFailed',
    code: 'precondition_failed',
    status: 412,
    description: '`If-Match` names a version the resource has left.',
    alwaysDetailed: true,
    details: {
      type: 'object',
      required: ['currentVersion'],
      properties: { currentVersion: { type: 'integer', description: 'the version the resource is at now (its ETag without quotes)' } },
    },
  },
  { name: 'PayloadTooLarge', code: 'payload_too_large', status: 413, description: 'The body is larger than the server accepts.' },
  {
    name: 'BadRequest',
    code: 'bad_request',
    status: undefined,
    description: 'Another client error of the HTTP layer, with its own status (408 request timeout, 431 headers too large...).',
  },
  { name: 'UnsupportedMediaType', code: 'unsupported_media_type', status: 415, description: 'The body is not `application/json`.' },
  { name: 'RateLimited', code: 'rate_limited', status: 429, description: 'Too many signups or failed authentications from this address; see `Retry-After`.' },
  {
    name: 'Unavailable',
    code: 'unavailable',
    status: 503,
    description: 'The database is unreachable or busy, or the server is starting or stopping; see `Retry-After`.',
  },
];

export const errorKindOf = (status: number): ErrorKind | undefined => ERROR_KINDS.find((k) => k.status === status);

/** The schemas above, for components.schemas. */
export function errorComponents(): Record<string, Schema> {
  const out: Record<string, Schema> = { FieldProblem, ConstraintInfo };
  for (const kind of ERROR_KINDS) {
    out[kind.name] = {
      type: 'object',
      description: kind.description,
      required: kind.alwaysDetailed ? ['code', 'message', 'details'] : ['code', 'message'],
      properties: {
        code: { type: 'string', enum: [kind.code] },
        message: { type: 'string', description: 'what is wrong and what to do' },
        ...(kind.details ? { details: kind.details } : {}),
      },
    };
  }
  out.ErrorDetail = {
    oneOf: ERROR_KINDS.map((k) => ref(k.name)),
    discriminator: { propertyName: 'code', mapping: Object.fromEntries(ERROR_KINDS.map((k) => [k.code, `#/components/schemas/${k.name}`])) },
  };
  out.Error = { type: 'object', description: 'Every error answer: one of the codes above.', required: ['error'], properties: { error: ref('ErrorDetail') } };
  return out;
}

/**
 * The response object for an error `status`: its envelope as JSON, whatever the operation's success answers are.
 * The envelope naming the status's code (`PreconditionFailedError`) is added to `schemas` when first used.
 */
export function errorResponse(status: number, schemas: Record<string, unknown>): Schema {
  const kind = errorKindOf(status);
  if (!kind) return { description: 'An error.', content: { 'application/json': { schema: ref('Error') } } };
  schemas[`${kind.name}Error`] ??= { type: 'object', required: ['error'], properties: { error: ref(kind.name) } };
  return { description: kind.description, content: { 'application/json': { schema: ref(`${kind.name}Error`) } } };
}
