// API tokens. The secret is `fs_` + 32 random bytes (base64url), shown once at creation; only its SHA-256 is stored,
// so a leaked database does not leak usable tokens, and lookup is one indexed equality on the hash.
import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { Database, Queryable } from '../db/database.js';
import type { Token } from '../db/schema.js';
import { NotFoundError, UnauthenticatedError, ValidationError } from '../errors.js';
import type { Principal } from './authorizer.js';
import { recordOrgChange, type DomainContext } from './changes.js';
import { systemClock } from './clock.js';
import { iso, LATEST_INSTANT, parseInstant } from './instants.js';
import { locked } from './locks.js';
import { sha256Hex } from './sha256.js';
import { byInstant, listPage, type KeysetOrder } from './pagination.js';
import type { Page, PageRequest } from './schemas/page.js';
import type { IssuedToken, NewTokenInput, TokenView } from './schemas/tokens.js';

export const TOKEN_PREFIX = 'fs_';
/** The shape of every secret we hand out; anything else is refused before it is hashed. */
export const TOKEN_SHAPE = /^fs_[A-Za-z0-9_-]{43}$/;

export function hashSecret(secret: string): string {
  return sha256Hex(secret);
}

export function tokenView(row: Token): TokenView {
  return {
    id: row.id,
    name: row.name,
    memberId: row.memberId,
    createdAt: iso(row.createdAt),
    expiresAt: iso(row.expiresAt),
    lastUsedAt: iso(row.lastUsedAt),
    revokedAt: iso(row.revokedAt),
  };
}

/** Issues a token inside the caller's transaction (signup and new members get theirs with the row that needs it). */
export async function issueToken(
  tx: Queryable,
  db: Database,
  owner: { orgId: string; memberId: string },
  name: string,
  expiresAt: Date | null = null,
): Promise<IssuedToken> {
  const secret = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const [row] = await tx
    .insert(db.tables.tokens)
    .values({ orgId: owner.orgId, memberId: owner.memberId, name, hash: hashSecret(secret), expiresAt })
    .returning();
  return { ...tokenView(row!), token: secret };
}

/**
 * When a token issued now expires by default (TOKEN_LIFETIME_DAYS), or null where tokens do not expire; never past the
 * last instant both dialects store (only a test's movable clock gets near it).
 */
export function defaultExpiry(ctx: Pick<DomainContext, 'tokenLifetimeMs'>, now = Date.now()): Date | null {
  return ctx.tokenLifetimeMs ? new Date(Math.min(now + ctx.tokenLifetimeMs, LATEST_INSTANT)) : null;
}

/** Another token for the caller. */
export async function createToken(ctx: DomainContext, principal: Principal, input: NewTokenInput): Promise<IssuedToken> {
  const now = (ctx.clock ?? systemClock).now().getTime();
  const latest = defaultExpiry(ctx, now);
  const expiresAt = input.expiresAt ? parseInstant('body.expiresAt', input.expiresAt) : latest;
  const otherwise = latest ? `leave it out for a token that expires at ${latest.toISOString()}` : 'leave it out for a token that does not expire';
  if (expiresAt && expiresAt.getTime() <= now) {
    throw new ValidationError(`body.expiresAt is in the past; give an instant in the future, or ${otherwise}`, {
      details: [{ field: 'body.expiresAt', message: 'must be in the future' }],
    });
  }
  if (expiresAt && latest && expiresAt.getTime() > latest.getTime()) {
    throw new ValidationError(
      `body.expiresAt is later than tokens may live on this server (TOKEN_LIFETIME_DAYS); give an instant before ${latest.toISOString()}, or ${otherwise}`,
      {
        details: [{ field: 'body.expiresAt', message: 'is beyond the token lifetime' }],
      },
    );
  }
  const { db } = ctx;
  return db.write(async (tx) => {
    // The caller's member row, share-locked: a removal running alongside either finishes first (and this refuses) or
    // waits for this token and then revokes it with the rest.
    const m = db.tables.members;
    const [member] = await locked(
      db,
      tx
        .select({ active: m.active })
        .from(m)
        .where(and(eq(m.id, principal.memberId), eq(m.orgId, principal.orgId))),
      'share',
    );
    if (!member?.active) throw new UnauthenticatedError('the member this token belongs to was removed from the organization; ask an admin to add you again');
    const issued = await issueToken(tx, db, principal, input.name, expiresAt);
    const { token: _secret, ...after } = issued;
    await recordOrgChange(ctx, tx, principal, 'token.create', issued.id, { after });
    return issued;
  });
}

function newestFirst(db: Database): KeysetOrder<Token> {
  const t = db.tables.tokens;
  return byInstant('-createdAt', { at: t.createdAt, id: t.id }, 'desc', (r) => r.createdAt);
}

/** The caller's own tokens, newest first, revoked and expired ones included so their state can be seen. */
export async function listTokens(db: Database, principal: Principal, page: PageRequest): Promise<Page<TokenView>> {
  const t = db.tables.tokens;
  return listPage(db, (q) => q.select().from(t), and(eq(t.orgId, principal.orgId), eq(t.memberId, principal.memberId)), newestFirst(db), page, tokenView);
}

/** Revokes one of the caller's tokens (the one in use too: that is how a client signs out). Idempotent. */
export async function revokeToken(ctx: DomainContext, principal: Principal, id: string): Promise<void> {
  const { db } = ctx;
  const t = db.tables.tokens;
  await db.write(async (tx) => {
    const [row] = await locked(
      db,
      tx
        .select()
        .from(t)
        .where(and(eq(t.id, id), eq(t.orgId, principal.orgId), eq(t.memberId, principal.memberId))),
    );
    if (!row) throw new NotFoundError(`no token ${id} of yours; list them with GET /v1/tokens`);
    // Revoking twice is a no-op and records nothing.
    if (row.revokedAt !== null) return;
    const [after] = await tx.update(t).set({ revokedAt: new Date() }).where(eq(t.id, id)).returning();
    await recordOrgChange(ctx, tx, principal, 'token.revoke', id, { before: tokenView(row), after: tokenView(after!) });
  });
}
