// Building blocks of the API's schemas. Each schema is written once, with TypeBox: the same object validates requests
// (ajv), shapes responses (fast-json-stringify), becomes the OpenAPI document, and is the TypeScript type of what the
// domain takes and returns (Static<typeof Schema>), so a field changed here changes every handler that touches it.
import { Type, type StringOptions, type TUnsafe } from '@sinclair/typebox';

/**
 * Text the databases store as sent. PostgreSQL cannot hold U+0000, and an unpaired surrogate (valid in JSON, not in
 * UTF-8) would be silently replaced on the way in, or refused inside jsonb: both are a 400 here, the same on every
 * dialect. (ajv compiles patterns with the `u` flag, where a surrogate range matches only unpaired surrogates.)
 */
export const SAFE_TEXT = '^[^\\u0000\\uD800-\\uDFFF]*$';

/** Longest accepted text, in characters, per kind of field; the README's limits table is made from these. */
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

/** Non-empty safe text of at most `maxLength` characters. */
export function Text(maxLength: number, options?: StringOptions) {
  return Type.String({ minLength: 1, maxLength, pattern: SAFE_TEXT, ...options });
}

export const Id = Type.String({ format: 'uuid' });
export const Instant = Type.String({ format: 'date-time' });
export const Email = Type.String({ format: 'email', maxLength: LIMITS.email });

/**
 * A string or null, as one `type` list rather than TypeBox's anyOf: the serializer then needs no schema matching
 * per value, a bad value gets one error instead of one per branch, and @fastify/swagger writes it as OpenAPI 3.0's
 * `nullable: true`.
 */
export function NullableString(options: StringOptions = {}): TUnsafe<string | null> {
  return Type.Unsafe<string | null>({ ...options, type: ['string', 'null'] });
}

export const NullableInstant = NullableString({ format: 'date-time' });

/** One of `values`, as a plain JSON Schema `enum` (TypeBox's literal unions would be an anyOf; see NullableString). */
export function StringEnum<const T extends readonly string[]>(values: T, options: StringOptions = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] });
}
