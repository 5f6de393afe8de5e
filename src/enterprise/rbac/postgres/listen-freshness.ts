// Cache freshness by LISTEN/NOTIFY: every change to an organization's roles or grants notifies RBAC_CHANNEL in its
// transaction (store.ts), PostgreSQL delivers it at commit, and each instance's listener, on a direct connection of
// its own, drops that organization's cached decisions. While the listener is down, nothing is served from cache.
import type { Database, Subscription } from '../../../db/database.js';
import type { Logger } from '../../../server/logger.js';
import { Generations, type Freshness } from '../freshness.js';
import { RBAC_CHANNEL } from '../store.js';

export async function listenFreshness(db: Database, logger: Logger): Promise<Freshness> {
  const generations = new Generations();
  let live = false;
  const subscription: Subscription = await db.listen(RBAC_CHANNEL, {
    message: (orgId) => generations.bump(orgId),
    connected: () => {
      // Whatever was sent while we were not listening is lost: start again from the database.
      generations.bumpAll();
      live = true;
    },
    disconnected: (err) => {
      live = false;
      generations.bumpAll();
      logger.warn({ err: { message: err.message } }, 'RBAC change listener disconnected; decisions are read from the database until it reconnects');
    },
  });
  return {
    current: async (orgId) => (live ? generations.of(orgId) : undefined),
    invalidate: (orgId) => generations.bump(orgId),
    close: () => subscription.close(),
  };
}

