// What each member may do, cached per organization under the generation it was computed in (see freshness.ts).
// A member's own role is part of the key: `members.role` is read fresh with the token on every request, so a
// demotion is seen at once whatever the cache holds. Nested maps rather than a joined string key: a hit then
// allocates nothing, which keeps a cached decision close to the core's table lookup.
import type { Effective } from './role-graph.js';

const MAX_ENTRIES = 10_000;

interface OrgEntries {
  readonly generation: number;
  /** memberId -> role -> what they may do. */
  readonly members: Map<string, Map<string, Effective>>;
}

export class DecisionCache {
  readonly #orgs = new Map<string, OrgEntries>();
  #size = 0;

  get(orgId: string, generation: number, memberId: string, role: string): Effective | undefined {
    const org = this.#orgs.get(orgId);
    if (org === undefined || org.generation !== generation) return undefined;
    return org.members.get(memberId)?.get(role);
  }

  set(orgId: string, generation: number, memberId: string, role: string, effective: Effective): void {
    // Bounded: when full, start again rather than track recency on the hot path.
    if (this.#size >= MAX_ENTRIES) this.clear();
    let org = this.#orgs.get(orgId);
    if (org === undefined || org.generation !== generation) {
      if (org) for (const roles of org.members.values()) this.#size -= roles.size;
      this.#orgs.set(orgId, (org = { generation, members: new Map() }));
    }
    let roles = org.members.get(memberId);
    if (roles === undefined) org.members.set(memberId, (roles = new Map()));
    if (!roles.has(role)) this.#size += 1;
    roles.set(role, effective);
  }

  clear(): void {
    this.#orgs.clear();
    this.#size = 0;
  }
}
