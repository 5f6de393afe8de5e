// JSON Schemas shared by the routes. They validate requests (Fastify/ajv), shape responses (fast-json-stringify)
// and become the OpenAPI document, so each limit is written once and the docs cannot drift from what is enforced.
import { MAX_PAGE_SIZE } from '../../domain/pagination.js';

/**
 * Text the databases store as sent. PostgreSQL cannot hold U+0000, and an unpaired surrogate (valid in JSON, not in
 * UTF-8) would be silently replaced on the way in, or refused inside jsonb: both are a 400 here, the same on every
 * dialect. (ajv compiles patterns with the `u` flag, where a surrogate range matches only unpaired surrogates.)
 */
export const SAFE_TEXT = '^[^\\u0000\\uD800-\\uDFFF]*$';

export const LIMITS = {
  name: 200,
  email: 254,
  title: 500,
  description: 20_000,
  comment: 20_000,
  labels: 20,
  label: 50,
  tokenName: 100,
  search: 200,
} as const;

export function text(maxLength: number) {
  return { type: 'string', minLength: 1, maxLength, pattern: SAFE_TEXT } as const;
}

export const id = { type: 'string', format: 'uuid' } as const;
export const instant = { type: 'string', format: 'date-time' } as const;
export const nullableInstant = { type: ['string', 'null'], format: 'date-time' } as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id },
  additionalProperties: false,
} as const;

export const pageQuery = {
  limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, description: `page size, at most ${MAX_PAGE_SIZE} (default 20)` },
  cursor: { type: 'string', maxLength: 512, description: 'nextCursor of the previous page' },
} as const;

/** The querystring of a listing that only pages. */
export const pageOnlyQuery = { type: 'object', additionalProperties: false, properties: pageQuery } as const;

/** A 204 answer, for the OpenAPI document. */
export const noContent = { 204: { type: 'null' } } as const;

export function page(item: object) {
  return {
    type: 'object',
    required: ['items', 'nextCursor'],
    properties: { items: { type: 'array', items: item }, nextCursor: { type: ['string', 'null'] } },
  } as const;
}

export const errorBody = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
    },
  },
} as const;

/** The error responses a route can give, for the OpenAPI document. */
export function errors(...statuses: number[]) {
  return Object.fromEntries(statuses.map((s) => [s, errorBody]));
}

export const orgView = {
  type: 'object',
  required: ['id', 'slug', 'name', 'createdAt'],
  properties: { id, slug: { type: 'string' }, name: { type: 'string' }, createdAt: instant },
} as const;

export const memberView = {
  type: 'object',
  required: ['id', 'email', 'name', 'role', 'createdAt'],
  properties: { id, email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, createdAt: instant },
} as const;

export const tokenView = {
  type: 'object',
  required: ['id', 'name', 'memberId', 'createdAt', 'expiresAt', 'lastUsedAt', 'revokedAt'],
  properties: { id, name: { type: 'string' }, memberId: id, createdAt: instant, expiresAt: nullableInstant, lastUsedAt: nullableInstant, revokedAt: nullableInstant },
} as const;

export const projectView = {
  type: 'object',
  required: ['id', 'key', 'name', 'archived', 'createdAt', 'updatedAt'],
  properties: { id, key: { type: 'string' }, name: { type: 'string' }, archived: { type: 'boolean' }, createdAt: instant, updatedAt: instant },
} as const;

export const taskView = {
  type: 'object',
  required: ['id', 'projectId', 'number', 'title', 'description', 'status', 'priority', 'assigneeId', 'labels', 'dueAt', 'version', 'createdAt', 'updatedAt'],
  properties: {
    id,
    projectId: id,
    number: { type: 'integer' },
    title: { type: 'string' },
    description: { type: ['string', 'null'] },
    status: { type: 'string' },
    priority: { type: 'string' },
    assigneeId: { type: ['string', 'null'] },
    labels: { type: 'array', items: { type: 'string' } },
    dueAt: nullableInstant,
    version: { type: 'integer' },
    createdAt: instant,
    updatedAt: instant,
  },
} as const;

export const commentView = {
  type: 'object',
  required: ['id', 'taskId', 'authorId', 'body', 'createdAt'],
  properties: { id, taskId: id, authorId: id, body: { type: 'string' }, createdAt: instant },
} as const;
