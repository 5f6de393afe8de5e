// API tokens as the API shows them (never the secret, except once at creation).
import { Type, type Static } from '@sinclair/typebox';
import { Id, Instant, LIMITS, NullableInstant, Text } from './common.js';

export const TokenView = Type.Object(
  {
    id: Id,
    name: Type.String(),
    memberId: Id,
    createdAt: Instant,
    expiresAt: NullableInstant,
    lastUsedAt: NullableInstant,
    revokedAt: NullableInstant,
  },
  { title: 'Token' },
);
export type TokenView = Static<typeof TokenView>;

/** A token as created: its metadata plus the secret, which is never shown again. */
export const IssuedToken = Type.Object({ ...TokenView.properties, token: Type.String() }, { title: 'IssuedToken' });
export type IssuedToken = Static<typeof IssuedToken>;

export const NewTokenInput = Type.Object(
  { name: Text(LIMITS.tokenName), expiresAt: Type.Optional(NullableInstant) },
  { additionalProperties: false, title: 'TokenInput' },
);
export type NewTokenInput = Static<typeof NewTokenInput>;
