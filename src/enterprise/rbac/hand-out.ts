// One rule for handing out power: giving a member a role or a grant, changing or taking one away, and creating,
// editing or deleting a role all need the actor to hold every permission of what they give, change or take away:
// built-in roles included, inherited roles expanded, a project grant's permissions on that project (held across the
// organization or through a grant on that same project). Checked after the organization's RBAC lock, with the
// actor's role read inside the transaction, so what is checked is what the change commits against.
import type { Queryable } from '../../db/database.js';
import type { Principal } from '../../domain/authorizer.js';
import { actorAsNow } from '../../domain/members.js';
import { ForbiddenError } from '../../errors.js';
import { allows, expandRole, type Effective, type RoleBook } from './role-graph.js';
import { loadEffective, type RbacStore } from './store.js';

/** A role held on the whole organization (projectId null) or on one project. */
export interface Holding {
  readonly role: string;
  readonly projectId: string | null;
}

/** What a change does with a holding, for the refusal's message. */
export type Verb = 'give' | 'change' | 'take away';

/** The first permission of `holdings` that `mine` lacks in its scope, if any: the pure half of the rule. */
export function firstUnheld(mine: Effective, book: RoleBook, holdings: readonly Holding[]): { holding: Holding; permission: string } | undefined {
  for (const holding of holdings) {
    for (const permission of expandRole(book, holding.role).keys()) {
      if (!allows(mine, permission, holding.projectId ?? undefined)) return { holding, permission };
    }
  }
  return undefined;
}

/** What the actor holds now, read inside `tx` (after the organization's RBAC lock). */
export async function actorHoldings(tx: Queryable, store: RbacStore, principal: Principal): Promise<Effective> {
  // Their role read here, inside `tx`, not taken from the token's request.
  const actor = await actorAsNow(store.db, tx, principal);
  return loadEffective(tx, store, actor.orgId, actor.memberId, actor.role);
}

/** Refuses (403 naming the permission) unless `mine` holds every permission of `holdings` in its scope. */
export function requireHolds(mine: Effective, book: RoleBook, verb: Verb, holdings: readonly Holding[]): void {
  const unheld = firstUnheld(mine, book, holdings);
  if (!unheld) return;
  const { holding, permission } = unheld;
  const where = holding.projectId === null ? 'across the organization' : `on project ${holding.projectId}`;
  throw new ForbiddenError(
    permission,
    `role "${holding.role}" holds \`${permission}\`, which you do not hold ${where}; only someone who holds every permission of a role may ${verb} it`,
  );
}
