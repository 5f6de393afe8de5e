// Whether this instance takes traffic, decided once for /readyz and for flagship_ready in /metrics so the two never
// disagree: the server is up (not starting, not stopping) and its database answers a health check now.
import type { DatabaseHealth } from '../db/database.js';
import type { Runtime } from './runtime.js';

export interface Readiness {
  readonly ready: boolean;
  readonly state: Runtime['state'];
  /** Why not, when not ready. */
  readonly reason?: string;
  /** The database's answer, when one was asked. */
  readonly health?: DatabaseHealth;
}

export async function checkReadiness(runtime: Runtime): Promise<Readiness> {
  const db = runtime.attached;
  if (runtime.state !== 'ready' || !db) return { ready: false, state: runtime.state, reason: runtime.reason };
  const health = await db.health();
  if (!health.ok) return { ready: false, state: runtime.state, reason: `database: ${health.detail ?? 'not answering'}`, health };
  return { ready: true, state: runtime.state, health };
}
