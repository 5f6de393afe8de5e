// When may a cached decision be used? Three answers, picked by what the database can do:
// - LISTEN/NOTIFY (Postgres, ./postgres/listen-freshness.ts): a listener on a direct connection drops an
//   organization's entries when any instance commits a change to its roles or grants; while the listener is down
//   nothing is served from cache.
// - data_version (SQLite, ./sqlite/data-version-freshness.ts): once per request, one pragma says whether another
//   process committed; only then are version rows read, once per organization.
// - A version row (any other database): each decision reads the organization's version, one indexed row, and the
//   entries are dropped when it moved.
import { readVersion, type RbacStore } from './store.js';

export interface Freshness {
  /**
   * Resolves with a token for the organization's cache generation, or undefined when the cache must not be used.
   * Entries are stored only under the token they were computed with.
   */
  current(orgId: string): Promise<number | undefined>;
  /** The same answer without waiting, when it needs no database (a listener); undefined otherwise. */
  peek?(orgId: string): number | undefined;
  /**
   * A request began: its decisions must see every change committed before now. Freshness that keeps a reading across
   * decisions (data_version) takes a new one at the request's first decision.
   */
  requestStarted?(): void;
  /**
   * This instance just committed a change for the organization: drop its entries now, and resolve once the change
   * is known to have reached the listeners, so the answer a client gets means every instance knows.
   */
  invalidate(orgId: string): Promise<void>;
  close(): Promise<void>;
}

/** Per organization: a counter bumped on each invalidation, so a decision computed across one is never stored. */
export class Generations {
  readonly #byOrg = new Map<string, number>();
  /** Where every organization's counter starts: moved past all of them by bumpAll, so no old number comes back. */
  #floor = 0;
  of(orgId: string): number {
    return this.#byOrg.get(orgId) ?? this.#floor;
  }
  bump(orgId: string): void {
    this.#byOrg.set(orgId, this.of(orgId) + 1);
  }
  bumpAll(): void {
    let top = this.#floor;
    for (const n of this.#byOrg.values()) if (n > top) top = n;
    this.#floor = top + 1;
    this.#byOrg.clear();
  }
}

export function versionRowFreshness(store: RbacStore): Freshness {
  return {
    // Fresh: a replica behind the primary would report an old version and keep a revoked decision in cache.
    current: (orgId) => store.db.read((q) => readVersion(q, store, orgId), { fresh: true }),
    // The version row moved in the committing transaction already.
    invalidate: async () => undefined,
    close: async () => undefined,
  };
}
