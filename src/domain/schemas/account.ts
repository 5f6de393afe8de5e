// Organizations: signing up, and who the caller is.
import { Type, type Static } from '@sinclair/typebox';
import { Email, Id, Instant, LIMITS, Text } from './common.js';
import { MemberView } from './members.js';
import { TokenView } from './tokens.js';

export const OrgView = Type.Object({ id: Id, slug: Type.String(), name: Type.String(), createdAt: Instant }, { title: 'Org' });
export type OrgView = Static<typeof OrgView>;

const Slug = Type.String({ pattern: '^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$', description: 'lower-case letters, digits and inner hyphens, at most 40' });

export const SignupInput = Type.Object(
  {
    org: Type.Object({ name: Text(LIMITS.name), slug: Slug }, { additionalProperties: false }),
    user: Type.Object({ email: Email, name: Text(LIMITS.name) }, { additionalProperties: false }),
  },
  { additionalProperties: false, title: 'SignupInput' },
);
export type SignupInput = Static<typeof SignupInput>;

/** The new organization, its owner, and the owner's token secret (shown only here). */
export const SignedUp = Type.Object({ org: OrgView, user: MemberView, token: Type.String() }, { title: 'SignedUp' });
export type SignedUp = Static<typeof SignedUp>;

export const WhoAmI = Type.Object({ org: OrgView, user: MemberView, token: TokenView }, { title: 'WhoAmI' });
export type WhoAmI = Static<typeof WhoAmI>;
