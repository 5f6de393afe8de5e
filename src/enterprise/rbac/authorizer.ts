// The enterprise Authorizer: built-in and custom roles, inheritance, organization-wide and project grants. Decisions
// come from a per-member cache that every instance drops as soon as a change to roles or grants commits.
import { and, eq } from 'drizzle-orm';
import type { Queryable } from '../../db/database.js';
import { ASSIGNABLE_ROLES, type Authorizer, type HandOut, type Permission, type Principal } from '../../domain/authorizer.js';
import { ForbiddenError, ValidationError } from '../../errors.js';
import { DecisionCache } from './decision-cache.js';
import type { Freshness } from './freshness.js';
import { allows, type Effective } from './role-graph.js';
import { actorHoldings, requireHolds } from './hand-out.js';
import { loadBook, loadEffective, loadGrants, lockRbac, stamp, type RbacStore } from './store.js';

export class RbacAuthorizer implements Authorizer {
  readonly #cache = new DecisionCache();
  /** The resolved freshness, once it is: the cache-hit path then needs no await at all. */
  #ready: Freshness | undefined;
  /** A request began before the freshness was resolved: told to it once it is. */
  #startedEarly = false;

  constructor(
    readonly store: RbacStore,
    private readonly freshness: Promise<Freshness>,
  ) {
    // Not awaited here (the constructor is synchronous): a decision that finds it unresolved awaits it, and fails
    // with its error; the catch only keeps an early failure from being reported as unhandled before then.
    // Attached first, so it runs before any decision that awaits the same promise uses it.
    void freshness
      .then((f) => {
        this.#ready = f;
        if (this.#startedEarly) f.requestStarted?.();
      })
      .catch(() => undefined);
  }

  /** Called as each request begins, before its decisions (the plugin's preValidation hook, SQLite builds). */
  requestStarted(): void {
    if (this.#ready) this.#ready.requestStarted?.();
    else this.#startedEarly = true;
  }

  async authorize(principal: Principal, permission: Permission, scope?: { projectId?: string }): Promise<void> {
    const effective = this.#hit(principal) ?? (await this.effective(principal));
    if (allows(effective, permission, scope?.projectId)) return;
    throw new ForbiddenError(
      permission,
      `this action needs the \`${permission}\` permission${scope?.projectId ? ` on project ${scope.projectId}` : ''}, which none of your roles or grants gives; ask an admin of the organization`,
    );
  }

  /** A cached decision that is known fresh without a query (LISTEN/NOTIFY, data_version), if there is one. */
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

  /**
   * The one rule (hand-out.ts) for a member's own role: a built-in role below owner or a custom role of the
   * organization, given or taken away only by an actor holding all of its permissions across the organization.
   * Takes the organization's RBAC lock, so it runs one at a time with role deletion: a deleted role is never given.
   */
  async handOut(tx: Queryable, actor: Principal, change: HandOut): Promise<void> {
    await lockRbac(tx, this.store, actor.orgId);
    const book = await loadBook(tx, this.store, actor.orgId);
    if (change.give !== undefined && (!book.has(change.give) || change.give === 'owner')) {
      throw new ValidationError(
        `body.role: there is no role "${change.give}" to give in this organization; use one of ${ASSIGNABLE_ROLES.join(', ')} or a custom role from GET /v1/roles`,
        { details: [{ field: 'body.role', message: 'is not a role of this organization' }] },
      );
    }
    const mine = await actorHoldings(tx, this.store, actor);
    if (change.give !== undefined) requireHolds(mine, book, change.takeAway === undefined ? 'give' : 'change', [{ role: change.give, projectId: null }]);
    if (change.takeAway !== undefined) requireHolds(mine, book, 'take away', [{ role: change.takeAway, projectId: null }]);
  }

  /**
   * A removed member's grants go with them; taking them away needs holding them, each in its scope. A member already
   * removed (being added back) holds nothing, so grants still found then are left from before removal took them (older
   * versions kept them): they are dropped without a check, and the member comes back with only the role given.
   */
  async release(tx: Queryable, actor: Principal, memberId: string): Promise<Record<string, unknown> | undefined> {
    const { orgId } = actor;
    await lockRbac(tx, this.store, orgId);
    const grants = await loadGrants(tx, this.store, orgId, memberId);
    if (grants.length === 0) return undefined;
    const m = this.store.db.tables.members;
    const [member] = await tx
      .select({ active: m.active })
      .from(m)
      .where(and(eq(m.id, memberId), eq(m.orgId, orgId)));
    if (member?.active) requireHolds(await actorHoldings(tx, this.store, actor), await loadBook(tx, this.store, orgId), 'take away', grants);
    const g = this.store.tables.roleGrants;
    await tx.delete(g).where(and(eq(g.orgId, orgId), eq(g.memberId, memberId)));
    await stamp(tx, this.store, orgId);
    return { grants: grants.map((x) => ({ id: x.id, role: x.role, projectId: x.projectId })) };
  }

  /** Called after this instance committed a change to the organization's roles or grants. */
  async changed(orgId: string): Promise<void> {
    await (await this.freshness).invalidate(orgId);
  }

  async close(): Promise<void> {
    await (await this.freshness).close();
  }
}
