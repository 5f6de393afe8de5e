// Schemas of the HTTP layer itself: path parameters, the error envelope and empty answers. What the resources look
// like is declared once in src/domain/schemas/; these wrap it for the routes and the OpenAPI document.
import { Type, type Static } from '@sinclair/typebox';
import { Id } from '../../domain/schemas/common.js';

export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });

export const ErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }),
});
export type ErrorBody = Static<typeof ErrorBody>;

/** The error responses a route can give, for the OpenAPI document (and the handler's reply type). */
export function errors<const S extends readonly number[]>(...statuses: S): { [K in S[number]]: typeof ErrorBody } {
  return Object.fromEntries(statuses.map((s) => [s, ErrorBody])) as { [K in S[number]]: typeof ErrorBody };
}

/**
 * An answer without a body (204, 304). `type: null` makes @fastify/swagger document it without content; typed as
 * undefined so the handler sends nothing rather than a JSON null.
 */
export const Empty = Type.Unsafe<undefined>({ type: 'null' });

export const noContent = { 204: Empty } as const;
