// The enterprise Authorizer: built-in and custom roles, inheritance, organization-wide and project grants. Decisions
// come from a per-member cache that every instance drops as soon as a change to roles or grants commits.
import { and, eq } from 'drizzle-orm';
import type { Queryable } from '../../db/database.js';
import { isBuiltInRole, type Authorizer, type Permission, type Principal } from '../../domain/authorizer.js';
import { ForbiddenError } from '../../errors.js';
import { DecisionCache } from './decision-cache.js';
import type { Freshness } from './freshness.js';
import { allows, type Effective } from './role-graph.js';
import { loadEffective, type RbacStore } from './store.js';

export class RbacAuthorizer implements Authorizer {
  readonly #cache = new DecisionCache();
  /** The resolved freshness, once it is: the cache-hit path then needs no await at all. */
  #ready: Freshness | undefined;

  constructor(
    readonly store: RbacStore,
    private readonly freshness: Promise<Freshness>,
  ) {
    // Not awaited here (the constructor is synchronous): a decision that finds it unresolved awaits it, and fails
    // with its error; the catch only keeps an early failure from being reported as unhandled before then.
    void freshness.then((f) => (this.#ready = f)).catch(() => undefined);
  }

  async authorize(principal: Principal, permission: Permission, scope?: { projectId?: string }): Promise<void> {
    const effective = this.#hit(principal) ?? (await this.effective(principal));
    if (allows(effective, permission, scope?.projectId)) return;
    throw new ForbiddenError(
      permission,
      `this action needs the \`${permission}\` permission${scope?.projectId ? ` on project ${scope.projectId}` : ''}, which none of your roles or grants gives; ask an admin of the organization`,
    );
  }

  /** A cached decision that is known fresh without asking the database (LISTEN/NOTIFY), if there is one. */
  #hit(principal: Principal): Effective | undefined {
    const generation = this.#ready?.peek?.(principal.orgId);
    return generation === undefined ? undefined : this.#cache.get(principal.orgId, generation, principal.memberId, principal.role);
  }

  /** What the principal may do, from cache when the cache is known fresh. */
  async effective(principal: Principal): Promise<Effective> {
    const { orgId, memberId, role } = principal;
    const freshness = await this.freshness;
    const generation = await freshness.current(orgId);
    if (generation !== undefined) {
      const hit = this.#cache.get(orgId, generation, memberId, role);
      if (hit) return hit;
    }
    // A security decision: never from a replica that may not have replayed a role or grant change yet.
    const effective = await this.store.db.read((q) => loadEffective(q, this.store, orgId, memberId, role), { fresh: true });
    if (generation !== undefined && (await freshness.current(orgId)) === generation) this.#cache.set(orgId, generation, memberId, role, effective);
    return effective;
  }

  /** Built-in roles below owner, and the organization's custom roles. */
  async assignable(tx: Queryable, orgId: string, role: string): Promise<boolean> {
    if (isBuiltInRole(role)) return role !== 'owner';
    const r = this.store.tables.roles;
    const [found] = await tx
      .select({ id: r.id })
      .from(r)
      .where(and(eq(r.orgId, orgId), eq(r.name, role)));
    return found !== undefined;
  }

  /** Called after this instance committed a change to the organization's roles or grants. */
  async changed(orgId: string): Promise<void> {
    await (await this.freshness).invalidate(orgId);
  }

  async close(): Promise<void> {
    await (await this.freshness).close();
  }
}
