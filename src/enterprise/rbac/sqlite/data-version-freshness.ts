// Cache freshness by SQLite's data_version (Database.dataVersion): a number on this process's writer connection that
// moves when another connection, another process on the same file, commits. This process's own changes to roles and
// grants it knows itself (invalidate, called once they commit).
//
// It is read once per request, not per decision: the first decision after a request began reads it, and every
// decision until the next request begins uses that reading. A client told "done" by another process sends its next
// request after that commit, so the reading its decisions use is taken after the commit too. When it moved, the
// organizations' version rows are read again, once each, and only an organization whose row moved loses its entries:
// another process creating tasks costs a row read, not the cache.
import type { Freshness } from '../freshness.js';
import { readVersion, type RbacStore } from '../store.js';

/** Organizations remembered; past this the memory starts again (each row is read anew). */
const MAX_ORGS = 10_000;

/** One organization, in one record so that a decision from cache looks it up once. */
interface OrgState {
  /** Its version row as last read (undefined: to be read), after the reading of data_version that began `epoch`. */
  version: number | undefined;
  epoch: number;
  /** Under which its cached decisions are stored; moves whenever they must be dropped, and never comes back. */
  generation: number;
}

export function dataVersionFreshness(store: RbacStore, dataVersion: () => number): Freshness {
  const orgs = new Map<string, OrgState>();
  /** Where a new record's generation starts: past every generation handed out before the memory started again. */
  let floor = 0;
  /** Requests begun, and how many had begun when data_version was last read. */
  let requests = 0;
  let readAt = -1;
  let seen: number | undefined;
  /** Moves with every reading that differs from the one before (or that failed). */
  let epoch = 0;

  /** The epoch, with data_version read if a request began since it last was. */
  const currentEpoch = (): number => {
    if (readAt === requests) return epoch;
    let now: number | undefined;
    try {
      now = dataVersion();
    } catch {
      // The writer is busy with a statement of its own, or closing: assume another process committed.
      now = undefined;
    }
    if (now === undefined || now !== seen) epoch += 1;
    seen = now;
    // A failed reading is taken again by the next decision.
    readAt = now === undefined ? -1 : requests;
    return epoch;
  };

  const stateOf = (orgId: string): OrgState => {
    let state = orgs.get(orgId);
    if (state === undefined) {
      if (orgs.size >= MAX_ORGS) {
        for (const s of orgs.values()) if (s.generation >= floor) floor = s.generation + 1;
        orgs.clear();
      }
      orgs.set(orgId, (state = { version: undefined, epoch: -1, generation: floor }));
    }
    return state;
  };

  const peek = (orgId: string): number | undefined => {
    const at = currentEpoch();
    const state = orgs.get(orgId);
    return state !== undefined && state.epoch === at ? state.generation : undefined;
  };

  return {
    requestStarted: () => void (requests += 1),
    peek,
    async current(orgId) {
      const known = peek(orgId);
      if (known !== undefined) return known;
      // Taken before the row is read: a commit after that reading moves data_version, and the next request reads it.
      const at = epoch;
      // Fresh: the writer's own snapshot, never an older one.
      const version = await store.db.read((q) => readVersion(q, store, orgId), { fresh: true });
      const state = stateOf(orgId);
      // Reads that finish out of order only drop entries once more than needed.
      if (state.version !== version) state.generation += 1;
      state.version = version;
      state.epoch = at;
      return state.generation;
    },
    async invalidate(orgId) {
      // This process's own commit leaves data_version as it is: drop the entries here, and read the row again.
      const state = stateOf(orgId);
      state.generation += 1;
      state.version = undefined;
      state.epoch = -1;
    },
    close: async () => undefined,
  };
}
