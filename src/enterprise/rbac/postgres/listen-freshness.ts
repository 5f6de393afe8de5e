// Cache freshness by LISTEN/NOTIFY: every change to an organization's roles or grants notifies RBAC_CHANNEL in its
// transaction (store.ts), PostgreSQL delivers it at commit, and each instance's listener, on a direct connection of
// its own, drops that organization's cached decisions. While the listener is down, nothing is served from cache.
import type { Database, Subscription } from '../../../db/database.js';
import type { Logger } from '../../../server/logger.js';
import { Generations, type Freshness } from '../freshness.js';
import { RBAC_CHANNEL, readNotice, readVersion, type RbacStore } from '../store.js';

/** How long a change waits to hear its own notice before answering anyway (the listener may be reconnecting). */
const ECHO_TIMEOUT_MS = 2000;

export async function listenFreshness(store: RbacStore, logger: Logger): Promise<Freshness> {
  const db: Database = store.db;
  const generations = new Generations();
  /** The highest version heard per organization, and who waits to hear one. */
  const heard = new Map<string, number>();
  const waiting = new Set<{ orgId: string; version: number; done: () => void }>();
  let live = false;
  const subscription: Subscription = await db.listen(RBAC_CHANNEL, {
    message: (payload) => {
      const { orgId, version } = readNotice(payload);
      generations.bump(orgId);
      if (version > (heard.get(orgId) ?? 0)) heard.set(orgId, version);
      for (const w of waiting) if (w.orgId === orgId && w.version <= version) w.done();
    },
    connected: () => {
      // Whatever was sent while we were not listening is lost: start again from the database.
      generations.bumpAll();
      live = true;
    },
    disconnected: (err) => {
      live = false;
      // Nothing is served from cache until the listener is back, so nobody needs to wait for a notice.
      for (const w of waiting) w.done();
      generations.bumpAll();
      logger.warn({ err: { message: err.message } }, 'RBAC change listener disconnected; decisions are read from the database until it reconnects');
    },
  });
  return {
    current: async (orgId) => (live ? generations.of(orgId) : undefined),
    peek: (orgId) => (live ? generations.of(orgId) : undefined),
    async invalidate(orgId) {
      generations.bump(orgId);
      if (!live) return;
      // PostgreSQL hands a notice to every listener at commit. Waiting until ours comes back to this instance's
      // listener means it was sent to the others' too, so the client's next request, wherever it lands, finds
      // the notice there ahead of it.
      const version = await db.write((tx) => readVersion(tx, store, orgId));
      if ((heard.get(orgId) ?? 0) >= version) return;
      await new Promise<void>((resolve) => {
        const w = { orgId, version, done: () => (waiting.delete(w), clearTimeout(timer), resolve()) };
        const timer = setTimeout(w.done, ECHO_TIMEOUT_MS);
        waiting.add(w);
      });
    },
    close: () => subscription.close(),
  };
}

