// Members of an organization and their built-in roles. Removal is a soft delete (`active = false`) so that comments
// and history keep their author; the member's tokens are revoked in the same transaction.
import { and, eq, isNull } from 'drizzle-orm';
import type { Database, Queryable } from '../db/database.js';
import type { Member } from '../db/schema.js';
import { ConflictError, NotFoundError, UnauthenticatedError } from '../errors.js';
import { BuiltInRoleAuthorizer, type HandOut, type Principal, type RoleCatalog } from './authorizer.js';
import { recordOrgChange, type DomainContext } from './changes.js';
import { conflictAs } from './conflicts.js';
import { iso } from './instants.js';
import { holdLock, locked } from './locks.js';
import { byInstant, listPage, type KeysetOrder } from './pagination.js';
import type { Page, PageRequest } from './schemas/page.js';
import type { MemberView, NewMemberInput } from './schemas/members.js';
import type { IssuedToken } from './schemas/tokens.js';
import { defaultExpiry, issueToken } from './tokens.js';

/** A built-in role below owner, or a role the build's RoleCatalog knows (a module's: the organization's custom roles). */
export type AssignableRole = string;

/** The build's rule for handing out power; the core's built-in roles when the context names none. */
const catalogOf = (ctx: DomainContext): RoleCatalog => ctx.roles ?? builtInRoles;
const builtInRoles = new BuiltInRoleAuthorizer();

/**
 * The actor as they are inside the writing transaction: their role read there, not from the token's request, so a
 * demotion or removal that committed meanwhile is what the rule sees. A removed actor is refused. Member changes of
 * one organization take its lock first, so the actor cannot be demoted between this read and the commit. Every
 * caller holds at most one member row lock when it gets here and takes none after, so waits cannot form a cycle.
 */
async function currentActor(db: Database, tx: Queryable, principal: Principal): Promise<Principal> {
  await holdLock(db, tx, `members:${principal.orgId}`);
  return actorAsNow(db, tx, principal);
}

/** The actor with their role as read inside `tx`; a removed actor is refused. */
export async function actorAsNow(db: Database, tx: Queryable, principal: Principal): Promise<Principal> {
  const m = db.tables.members;
  const [row] = await tx
    .select({ role: m.role })
    .from(m)
    .where(and(eq(m.id, principal.memberId), eq(m.orgId, principal.orgId), eq(m.active, true)));
  if (!row) throw new UnauthenticatedError('you are no longer a member of this organization; ask one of its admins to add you again');
  return { ...principal, role: row.role };
}

/** Passes `change` through the one rule for handing out power, inside the writing transaction. */
async function handOut(ctx: DomainContext, tx: Queryable, principal: Principal, change: HandOut): Promise<void> {
  await catalogOf(ctx).handOut(tx, await currentActor(ctx.db, tx, principal), change);
}

export function memberView(row: Member): MemberView {
  return { id: row.id, email: row.email, name: row.name, role: row.role, createdAt: iso(row.createdAt) };
}

/** Emails compare case-insensitively; they are stored lower-cased so the unique index agrees. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export const memberNotFound = (id: string) => new NotFoundError(`no member ${id} in your organization; list them with GET /v1/members`);

/** Adds a member (or brings back a removed one with that email) and issues their first token. */
export async function addMember(ctx: DomainContext, principal: Principal, input: NewMemberInput): Promise<{ member: MemberView; token: IssuedToken }> {
  const { db } = ctx;
  const m = db.tables.members;
  const email = normalizeEmail(input.email);
  const taken = `${email} is already a member of this organization; change their role with PATCH /v1/members/:id instead`;
  let released: Record<string, unknown> | undefined;
  const added = await conflictAs(
    () =>
      db.write(async (tx) => {
        const [existing] = await locked(
          db,
          tx
            .select()
            .from(m)
            .where(and(eq(m.orgId, principal.orgId), eq(m.email, email))),
        );
        if (existing?.active) throw new ConflictError(taken, { details: [{ field: 'body.email', message: 'is already a member' }] });
        await handOut(ctx, tx, principal, { give: input.role });
        released = undefined;
        if (existing) {
          // Coming back starts clean: nothing held before the removal (grants, tokens) comes back with them.
          released = await catalogOf(ctx).release(tx, principal, existing.id);
          const t = db.tables.tokens;
          await tx
            .update(t)
            .set({ revokedAt: new Date() })
            .where(and(eq(t.memberId, existing.id), isNull(t.revokedAt)));
        }
        const [row] = existing
          ? await tx.update(m).set({ name: input.name, role: input.role, active: true, createdAt: new Date() }).where(eq(m.id, existing.id)).returning()
          : await tx.insert(m).values({ orgId: principal.orgId, email, name: input.name, role: input.role, active: true }).returning();
        const token = await issueToken(tx, db, { orgId: principal.orgId, memberId: row!.id }, 'initial', defaultExpiry(ctx));
        const member = memberView(row!);
        await recordOrgChange(ctx, tx, principal, 'member.add', member.id, { ...(released ? { before: released } : {}), after: member });
        return { member, token };
      }),
    'email',
    'body.email',
    taken,
  );
  if (released) await catalogOf(ctx).changed?.(principal.orgId);
  return added;
}

function byJoinDate(db: Database): KeysetOrder<Member> {
  const m = db.tables.members;
  return byInstant('createdAt', { at: m.createdAt, id: m.id }, 'asc', (r) => r.createdAt);
}

export async function listMembers(db: Database, principal: Principal, page: PageRequest): Promise<Page<MemberView>> {
  const m = db.tables.members;
  return listPage(db, (q) => q.select().from(m), and(eq(m.orgId, principal.orgId), eq(m.active, true)), byJoinDate(db), page, memberView);
}

/**
 * The current member `id` of the caller's organization, locked for a change by `action`; a 404 when there is none.
 * The owner keeps the organization: nobody can change their role or remove them. A 409, not a 403: the caller holds
 * the permission; it is the target's state (owning the organization) that rules the change out.
 */
async function lockedTarget(db: Database, tx: Queryable, principal: Principal, id: string, action: string): Promise<Member> {
  const m = db.tables.members;
  const [target] = await locked(
    db,
    tx
      .select()
      .from(m)
      .where(and(eq(m.id, id), eq(m.orgId, principal.orgId), eq(m.active, true))),
  );
  if (!target) throw memberNotFound(id);
  if (target.role === 'owner') {
    throw new ConflictError(`member ${target.id} is the owner of the organization and cannot be ${action}; ownership stays with them`, {
      details: [{ field: 'params.id', message: 'is the owner' }],
    });
  }
  return target;
}

export async function changeRole(ctx: DomainContext, principal: Principal, id: string, role: AssignableRole): Promise<MemberView> {
  const { db } = ctx;
  const m = db.tables.members;
  return db.write(async (tx) => {
    const target = await lockedTarget(db, tx, principal, id, 'given another role');
    await handOut(ctx, tx, principal, { give: role, takeAway: target.role });
    const [row] = await tx.update(m).set({ role }).where(eq(m.id, id)).returning();
    const after = memberView(row!);
    await recordOrgChange(ctx, tx, principal, 'member.role', id, { before: memberView(target), after });
    return after;
  });
}

/**
 * Removes a member: what they held is taken away, so the actor must hold it all (their role, and whatever the build
 * adds, such as grants, which go with them); every token of theirs stops working at once. All in one transaction,
 * recorded with what was removed, so a member added back later starts from the role they are given and nothing else.
 */
export async function removeMember(ctx: DomainContext, principal: Principal, id: string): Promise<void> {
  const { db } = ctx;
  const { members: m, tokens: t } = db.tables;
  const catalog = catalogOf(ctx);
  const released = await db.write(async (tx) => {
    const target = await lockedTarget(db, tx, principal, id, 'removed');
    const actor = await currentActor(db, tx, principal);
    await catalog.handOut(tx, actor, { takeAway: target.role });
    const released = await catalog.release(tx, actor, id);
    await tx.update(m).set({ active: false }).where(eq(m.id, id));
    // Tokens revoked earlier keep the time they were revoked.
    const revoked = await tx
      .update(t)
      .set({ revokedAt: new Date() })
      .where(and(eq(t.memberId, id), eq(t.orgId, principal.orgId), isNull(t.revokedAt)))
      .returning({ id: t.id });
    const before = { ...memberView(target), ...released, revokedTokens: revoked.map((r) => r.id) };
    await recordOrgChange(ctx, tx, principal, 'member.remove', id, { before });
    return released;
  });
  if (released) await catalog.changed?.(principal.orgId);
}
