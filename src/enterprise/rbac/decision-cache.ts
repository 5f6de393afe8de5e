// What each member may do, cached per organization under the generation it was computed in (see freshness.ts).
// A member's own role is part of the key: `members.role` is read fresh with the token on every request, so a
// demotion is seen at once whatever the cache holds.
import type { Effective } from './role-graph.js';

const MAX_ENTRIES = 10_000;

export class DecisionCache {
  readonly #orgs = new Map<string, { generation: string; members: Map<string, Effective> }>();
  #size = 0;

  get(orgId: string, generation: string, memberId: string, role: string): Effective | undefined {
    const org = this.#orgs.get(orgId);
    if (!org || org.generation !== generation) return undefined;
    return org.members.get(`${memberId}\u0000${role}`);
  }

  set(orgId: string, generation: string, memberId: string, role: string, effective: Effective): void {
    // Bounded: when full, start again rather than track recency on the hot path.
    if (this.#size >= MAX_ENTRIES) this.clear();
    let org = this.#orgs.get(orgId);
    if (!org || org.generation !== generation) {
      if (org) this.#size -= org.members.size;
      this.#orgs.set(orgId, (org = { generation, members: new Map() }));
    }
    const key = `${memberId}\u0000${role}`;
    if (!org.members.has(key)) this.#size += 1;
    org.members.set(key, effective);
  }

  clear(): void {
    this.#orgs.clear();
    this.#size = 0;
  }
}
