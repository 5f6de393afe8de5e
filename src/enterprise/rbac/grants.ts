// Grants: roles a member holds beyond their own role, on the whole organization or on one project. PUT replaces a
// member's grants as a whole, so a client states what should be and never races itself with add/remove pairs.
import { and, eq, inArray } from 'drizzle-orm';
import type { Queryable } from '../../db/database.js';
import type { Principal } from '../../domain/authorizer.js';
import { recordOrgChange, type DomainContext } from '../../domain/changes.js';
import { iso } from '../../domain/instants.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { actorHoldings, requireHolds } from './hand-out.js';
import type { Source } from './role-graph.js';
import type { GrantInput, GrantView } from './schemas.js';
import { loadBook, loadEffective, lockRbac, stamp, type RbacStore } from './store.js';

export const memberNotFound = (id: string) => new NotFoundError(`no member ${id} in your organization; list them with GET /v1/members`);

async function activeMember(q: Queryable, ctx: DomainContext, orgId: string, id: string) {
  const m = ctx.db.tables.members;
  const [row] = await q
    .select({ id: m.id, role: m.role })
    .from(m)
    .where(and(eq(m.id, id), eq(m.orgId, orgId), eq(m.active, true)));
  if (!row) throw memberNotFound(id);
  return row;
}

export async function listGrants(
  ctx: DomainContext,
  store: RbacStore,
  principal: Principal,
  memberId: string,
): Promise<{ memberId: string; grants: GrantView[] }> {
  const g = store.tables.roleGrants;
  return store.db.read(async (q) => {
    await activeMember(q, ctx, principal.orgId, memberId);
    const rows = await q
      .select()
      .from(g)
      .where(and(eq(g.orgId, principal.orgId), eq(g.memberId, memberId)))
      .orderBy(g.role, g.projectId);
    return { memberId, grants: rows.map((r) => ({ id: r.id, role: r.role, projectId: r.projectId, createdAt: iso(r.createdAt) })) };
  });
}

export async function replaceGrants(
  ctx: DomainContext,
  store: RbacStore,
  principal: Principal,
  memberId: string,
  input: GrantInput[],
): Promise<{ memberId: string; grants: GrantView[] }> {
  const g = store.tables.roleGrants;
  const p = ctx.db.tables.projects;
  const wanted = [...new Map(input.map((x) => [`${x.role}\u0000${x.projectId ?? ''}`, { role: x.role, projectId: x.projectId ?? null }])).values()];
  return store.db.write(async (tx) => {
    await lockRbac(tx, store, principal.orgId);
    await activeMember(tx, ctx, principal.orgId, memberId);
    const book = await loadBook(tx, store, principal.orgId);
    wanted.forEach((w, i) => {
      if (!book.has(w.role) || w.role === 'owner') {
        throw new ValidationError(
          `body.grants.${i}.role: there is no role "${w.role}" to grant in this organization; grant a built-in role below owner or one from GET /v1/roles`,
          {
            details: [{ field: `body.grants.${i}.role`, message: 'is not a role of this organization' }],
          },
        );
      }
    });
    const projectIds = [...new Set(wanted.flatMap((w) => (w.projectId ? [w.projectId] : [])))];
    if (projectIds.length > 0) {
      const found = new Set(
        (
          await tx
            .select({ id: p.id })
            .from(p)
            .where(and(eq(p.orgId, principal.orgId), inArray(p.id, projectIds)))
        ).map((r) => r.id),
      );
      const i = wanted.findIndex((w) => w.projectId && !found.has(w.projectId));
      if (i !== -1) {
        throw new ValidationError(`body.grants.${i}.projectId: no project ${wanted[i]!.projectId} in your organization; list them with GET /v1/projects`, {
          details: [{ field: `body.grants.${i}.projectId`, message: 'is not a project of this organization' }],
        });
      }
    }
    const before = await tx
      .select()
      .from(g)
      .where(and(eq(g.orgId, principal.orgId), eq(g.memberId, memberId)));
    // The one rule (hand-out.ts): each grant given, and each taken away, in its scope; one kept as it is is neither.
    const key = (x: { role: string; projectId: string | null }) => `${x.role}\u0000${x.projectId ?? ''}`;
    const had = new Set(before.map(key));
    const keeps = new Set(wanted.map(key));
    const mine = await actorHoldings(tx, store, principal);
    requireHolds(
      mine,
      book,
      'give',
      wanted.filter((w) => !had.has(key(w))),
    );
    requireHolds(
      mine,
      book,
      'take away',
      before.filter((b) => !keeps.has(key(b))),
    );
    await tx.delete(g).where(and(eq(g.orgId, principal.orgId), eq(g.memberId, memberId)));
    const rows =
      wanted.length === 0
        ? []
        : await tx
            .insert(g)
            .values(wanted.map((w) => ({ orgId: principal.orgId, memberId, role: w.role, projectId: w.projectId })))
            .returning();
    const view = (r: (typeof rows)[number]): GrantView => ({ id: r.id, role: r.role, projectId: r.projectId, createdAt: iso(r.createdAt) });
    const after = rows.map(view).sort((a, b) => a.role.localeCompare(b.role) || (a.projectId ?? '').localeCompare(b.projectId ?? ''));
    await stamp(tx, store, principal.orgId);
    await recordOrgChange(ctx, tx, principal, 'member.grants', memberId, { before: { grants: before.map(view) }, after: { grants: after } });
    return { memberId, grants: after };
  });
}

/** The member's effective permissions, each with every role and grant it comes from. */
export async function explainPermissions(ctx: DomainContext, store: RbacStore, principal: Principal, memberId: string) {
  return store.db.read(async (q) => {
    const member = await activeMember(q, ctx, principal.orgId, memberId);
    const effective = await loadEffective(q, store, principal.orgId, memberId, member.role);
    // Copies: the answer is a fresh value, the effective permissions stay as cached.
    const shown = (sources: readonly Source[]) => sources.map((s) => ({ ...s, path: [...s.path] }));
    const permissions = [...effective.org].map(([permission, sources]) => ({ permission, projectId: null as string | null, sources: shown(sources) }));
    for (const [projectId, held] of effective.projects) {
      for (const [permission, sources] of held) permissions.push({ permission, projectId, sources: shown(sources) });
    }
    permissions.sort((a, b) => a.permission.localeCompare(b.permission) || (a.projectId ?? '').localeCompare(b.projectId ?? ''));
    return { memberId, role: member.role, permissions };
  });
}
