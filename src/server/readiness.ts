// Whether this instance takes traffic, decided once for /readyz and for flagship_ready in /metrics so the two never
// disagree: the server is up (not starting, not stopping) and its database answers a health check now, at least for
// reads. A read-only instance (replicas, no primary) is ready and says so: see /readyz.
import type { DatabaseHealth } from '../db/database.js';
import type { Runtime } from './runtime.js';

export interface Readiness {
  readonly ready: boolean;
  readonly state: Runtime['state'];
  /** Why not, when not ready. */
  readonly reason?: string;
  /** The database's answer, when one was asked. */
  readonly health?: DatabaseHealth;
  /** What this instance can serve now: `ready` means at least reads. */
  readonly serves: { readonly reads: boolean; readonly writes: boolean };
}

const NOTHING = Object.freeze({ reads: false, writes: false });

/** Asks the database; a ready server whose database stopped answering becomes degraded, and ready again once it answers. */
export async function checkReadiness(runtime: Runtime): Promise<Readiness> {
  const db = runtime.attached;
  if ((runtime.state !== 'ready' && runtime.state !== 'degraded') || !db)
    return { ready: false, state: runtime.state, reason: runtime.reason, serves: NOTHING };
  const health = await db.health();
  if (!health.ok) {
    runtime.markDegraded(`database: ${health.detail ?? 'not answering'}`);
    return { ready: false, state: runtime.state, reason: runtime.reason, health, serves: NOTHING };
  }
  runtime.markRecovered();
  const serves = { reads: health.reads ?? true, writes: health.writes ?? true };
  return { ready: true, state: runtime.state, health, serves, ...(serves.writes ? {} : { reason: `database: ${health.detail ?? 'read-only'}` }) };
}
