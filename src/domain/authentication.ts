// Who is calling: a bearer token resolved to its member. Every refusal is a 401 that says what to do next.
import { and, eq, isNull, lt, or } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { prepared, readPrepared, textSlot, UNNAMED } from '../db/prepared.js';
import { UnauthenticatedError } from '../errors.js';
import type { Principal } from './authorizer.js';
import { TOKEN_SHAPE, hashSecret } from './tokens.js';

/** A token that exists but no longer signs in (member removed, revoked, expired): the audit trail names whose it was. */
export class RefusedTokenError extends UnauthenticatedError {
  constructor(
    message: string,
    readonly subject: { readonly orgId: string; readonly memberId: string; readonly tokenId: string },
  ) {
    super(message);
  }
}

const NEW_TOKEN = 'create another with POST /v1/tokens while signed in, or ask an admin of your organization';

/** The token and its member together, on every request: built once, run with the hash. */
const tokenByHash = prepared((q, { tokens, members }) =>
  q
    .select({
      tokenId: tokens.id,
      orgId: tokens.orgId,
      memberId: tokens.memberId,
      expiresAt: tokens.expiresAt,
      revokedAt: tokens.revokedAt,
      lastUsedAt: tokens.lastUsedAt,
      role: members.role,
      active: members.active,
      memberOrg: members.orgId,
    })
    .from(tokens)
    .innerJoin(members, eq(members.id, tokens.memberId))
    // No LIMIT: the hash is unique, and a LIMIT would cost SQLite a compile per run (see rowLimit).
    .where(eq(tokens.hash, textSlot('hash')))
    .prepare(UNNAMED),
);

type Caller = Principal & { lastUsedAt: Date | null };

/** A row of the token lookup, as its selection types it. */
type TokenRow = Awaited<ReturnType<ReturnType<typeof tokenByHash>['execute']>>[number];

/**
 * Resolves a token secret to the principal it speaks for. Reads the token and its member together, so a revoked
 * token, an expired one, or one whose member was removed is refused on the very next request. Where the database
 * answers the read at once (SQLite), so does this, with no promise: the caller awaits only what is pending. A refusal
 * is a rejected promise either way, as from an async function.
 */
export function authenticate(db: Database, secret: string, now = new Date()): Caller | Promise<Caller> {
  if (!TOKEN_SHAPE.test(secret)) {
    return Promise.reject(new UnauthenticatedError('the bearer token is malformed: flagship tokens start with `fs_`; check that it was copied whole'));
  }
  // No cache in front of it: a revoked token, or a removed member's, must be refused on the next request on every
  // instance, and the row is the one place that says so. Never from a replica that may lack a change to tokens or
  // members either: a revoked token must fail, and a new one work, on the very next request.
  return readPrepared(db, tokenByHash, { hash: hashSecret(secret) }, (rows) => judge(rows[0], now), { fresh: 'credentials' });
}

/** The caller `row` speaks for at `now`, or the 401 that says why it does not. */
function judge(row: TokenRow | undefined, now: Date): Caller {
  if (!row || row.memberOrg !== row.orgId) throw new UnauthenticatedError(`the bearer token is not known; check that it was copied whole, or ${NEW_TOKEN}`);
  const subject = { orgId: row.orgId, memberId: row.memberId, tokenId: row.tokenId };
  if (!row.active) throw new RefusedTokenError('the member this token belongs to was removed from the organization; ask an admin to add you again', subject);
  if (row.revokedAt !== null) throw new RefusedTokenError(`the bearer token was revoked at ${row.revokedAt.toISOString()}; ${NEW_TOKEN}`, subject);
  if (row.expiresAt !== null && row.expiresAt.getTime() <= now.getTime()) {
    throw new RefusedTokenError(`the bearer token expired at ${row.expiresAt.toISOString()}; ${NEW_TOKEN}`, subject);
  }
  return { tokenId: row.tokenId, orgId: row.orgId, memberId: row.memberId, role: row.role, lastUsedAt: row.lastUsedAt };
}

/** `lastUsedAt` is informative, so it is written at most once a minute per token rather than on every request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Records that a token was used, when its `lastUsedAt` is older than the resolution. The condition sits in the
 * UPDATE itself, so concurrent requests on several instances write once between them; `recent` keeps this instance
 * from even queueing the write again for requests arriving together.
 */
export function touchToken(db: Database, tokenId: string, lastUsedAt: Date | null, recent: Map<string, number>, now = Date.now()): Promise<void> | undefined {
  if (lastUsedAt !== null && now - lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return undefined;
  if (now - (recent.get(tokenId) ?? 0) < LAST_USED_RESOLUTION_MS) return undefined;
  // Bounded: a burst of distinct tokens only costs a few repeated writes after the reset.
  if (recent.size >= 10_000) recent.clear();
  recent.set(tokenId, now);
  const t = db.tables.tokens;
  const stale = new Date(now - LAST_USED_RESOLUTION_MS);
  return db.write(async (tx) => {
    await tx
      .update(t)
      .set({ lastUsedAt: new Date(now) })
      .where(and(eq(t.id, tokenId), or(isNull(t.lastUsedAt), lt(t.lastUsedAt, stale))));
  });
}
