// The seam every mutation goes through. Each domain write reports what it changed, inside the transaction that makes
// the change, to a ChangeRecorder. The core's recorder keeps nothing; a module may supply one that appends
// a hash-chained audit record in that same transaction, so a change and its record commit or roll back together.
import type { Database, Queryable } from '../db/database.js';
import type { Principal, RoleCatalog } from './authorizer.js';
import type { Clock } from './clock.js';

export type { RoleCatalog } from './authorizer.js';

/** Who asked, as far as the HTTP layer knows: for audit records and logs. */
export interface RequestMeta {
  readonly id: string;
  readonly ip: string;
  readonly userAgent?: string | undefined;
}

export interface Change {
  /** `<resource>.<verb>`: org.create, member.add, member.role, member.remove, token.create, token.revoke, ... */
  readonly action: string;
  readonly orgId: string;
  readonly resource: { readonly type: string; readonly id: string };
  /** The resource as the API showed it before and after (absent on create and delete respectively). */
  readonly before?: unknown;
  readonly after?: unknown;
}

export interface RecordedChange extends Change {
  /** Undefined for signup, which has no caller yet. */
  readonly actor: Principal | undefined;
  readonly request: RequestMeta | undefined;
}

export interface ChangeRecorder {
  /** Called inside the changing transaction; throwing rolls the change back. */
  record(tx: Queryable, change: RecordedChange): Promise<void>;
}

/** The core's recorder: the built-in server keeps no audit trail. */
export const keepNoChanges: ChangeRecorder = Object.freeze({ record: async () => undefined });

/** What a domain write needs: the database, the recorder, and the request it serves. */
export interface DomainContext {
  readonly db: Database;
  readonly changes: ChangeRecorder;
  /** "Now" for expiry decisions; the system clock when absent. */
  readonly clock?: Clock | undefined;
  readonly request?: RequestMeta | undefined;
  /** How long new tokens live (TOKEN_LIFETIME_DAYS); 0 or absent: they do not expire unless asked to. */
  readonly tokenLifetimeMs?: number | undefined;
  /** The one rule for handing out power (the build's Authorizer); absent: the core's built-in roles. */
  readonly roles?: RoleCatalog | undefined;
}

/** Reports `change`, made by `actor`, within `tx`. */
export function recordChange(ctx: DomainContext, tx: Queryable, actor: Principal | undefined, change: Change): Promise<void> {
  return ctx.changes.record(tx, { ...change, actor, request: ctx.request });
}

/**
 * Reports a change `principal` made to one resource of their own organization. The action names the resource's type
 * first (`member.role` changes a member), so the type is said once.
 */
export function recordOrgChange(
  ctx: DomainContext,
  tx: Queryable,
  principal: Principal,
  action: `${string}.${string}`,
  id: string,
  states: { readonly before?: unknown; readonly after?: unknown },
): Promise<void> {
  const type = action.slice(0, action.indexOf('.'));
  return recordChange(ctx, tx, principal, { action, orgId: principal.orgId, resource: { type, id }, ...states });
}
