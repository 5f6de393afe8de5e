// Organizations: signup creates one with its owner and the owner's first token, in one transaction.
import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import type { Org } from '../db/schema.js';
import { UnauthenticatedError } from '../errors.js';
import type { Principal } from './authorizer.js';
import { recordChange, type DomainContext } from './changes.js';
import { conflictAs } from './conflicts.js';
import { iso } from './instants.js';
import { memberView, normalizeEmail } from './members.js';
import type { OrgView, SignedUp, SignupInput, WhoAmI } from './schemas/account.js';
import { defaultExpiry, issueToken, tokenView } from './tokens.js';

export function orgView(row: Org): OrgView {
  return { id: row.id, slug: row.slug, name: row.name, createdAt: iso(row.createdAt) };
}

export async function signup(ctx: DomainContext, input: SignupInput): Promise<SignedUp> {
  const { db } = ctx;
  const { orgs, members } = db.tables;
  return conflictAs(
    () =>
      db.write(async (tx) => {
        const [org] = await tx.insert(orgs).values({ name: input.org.name, slug: input.org.slug }).returning();
        const [owner] = await tx
          .insert(members)
          .values({ orgId: org!.id, email: normalizeEmail(input.user.email), name: input.user.name, role: 'owner', active: true })
          .returning();
        const token = await issueToken(tx, db, { orgId: org!.id, memberId: owner!.id }, 'signup', defaultExpiry(ctx));
        const result = { org: orgView(org!), user: memberView(owner!) };
        // The new owner is the actor of their own signup.
        const actor = { orgId: org!.id, memberId: owner!.id, role: 'owner', tokenId: token.id };
        await recordChange(ctx, tx, actor, { action: 'org.create', orgId: org!.id, resource: { type: 'org', id: org!.id }, after: result });
        return { ...result, token: token.token };
      }),
    'slug',
    'body.org.slug',
    `the organization slug "${input.org.slug}" is taken; choose another`,
  );
}

/** The caller: their organization, their member record and the token they used. */
export async function whoAmI(db: Database, principal: Principal): Promise<WhoAmI> {
  const { orgs, members, tokens } = db.tables;
  const [row] = await db.read(
    (q) =>
      q
        .select({ org: orgs, member: members, token: tokens })
        .from(tokens)
        .innerJoin(members, eq(members.id, tokens.memberId))
        .innerJoin(orgs, eq(orgs.id, members.orgId))
        .where(and(eq(tokens.id, principal.tokenId), eq(orgs.id, principal.orgId))),
    // The caller's own identity, just authenticated on fresh data: a replica that has not replayed a new member yet
    // must not answer for it (an organization is made with its first member and token, so it is covered too).
    { fresh: 'credentials' },
  );
  // The token was valid a moment ago; only a concurrent removal of the organization gets here.
  if (!row) throw new UnauthenticatedError('the token no longer belongs to an organization; sign up again or ask an admin');
  return { org: orgView(row.org), user: memberView(row.member), token: tokenView(row.token) };
}
