// Cache freshness by LISTEN/NOTIFY: every change to an organization's roles or grants notifies RBAC_CHANNEL in its
// transaction (store.ts), PostgreSQL delivers it at commit, and each instance's listener, on a direct connection of
// its own, drops that organization's cached decisions. While the listener is down, nothing is served from cache.
//
// Delivery is asynchronous: a client told "done" by one instance could reach another before that one's listener
// has read the notice. So each listener acknowledges every notice on the same channel, and the instance that made
// the change answers only once every listening instance (counted in pg_stat_activity) has acknowledged it, or
// after a bounded wait when one does not (it is reconnecting, or gone, and serves nothing from cache meanwhile).
import { randomUUID } from 'node:crypto';
import type { Database, Notifications, Subscription } from '../../../db/database.js';
import type { Logger } from '../../../server/logger.js';
import { Generations, type Freshness } from '../freshness.js';
import { RBAC_CHANNEL, readVersion, type RbacStore } from '../store.js';

/** How long a change waits for the listeners' acknowledgements before answering anyway. */
const ACK_TIMEOUT_MS = 5000;

type Message = { kind: 'change'; orgId: string; version: number } | { kind: 'ack'; instance: string; orgId: string; version: number };

function parse(payload: string): Message | undefined {
  const [kind, a = '', b = '', c = ''] = payload.split(' ');
  if (kind === 'change') return { kind, orgId: a, version: Number(b) || 0 };
  if (kind === 'ack') return { kind, instance: a, orgId: b, version: Number(c) || 0 };
  return undefined;
}

/** `notifications` is the facet of `store.db` (its LISTEN/NOTIFY), where the changes are notified. */
export async function listenFreshness(store: RbacStore, notifications: Notifications, logger: Logger): Promise<Freshness> {
  const db: Database = store.db;
  const instance = randomUUID();
  const generations = new Generations();
  /** Per organization, the highest version each instance acknowledged. */
  const acked = new Map<string, Map<string, number>>();
  const waiting = new Set<{ orgId: string; version: number; needed: number; done: () => void }>();
  const ackCount = (orgId: string, version: number) => [...(acked.get(orgId)?.values() ?? [])].filter((v) => v >= version).length;
  let live = false;
  let subscription: Subscription | undefined; // eslint-disable-line prefer-const -- assigned once the listener is up, read by closures made before

  const acknowledge = (orgId: string, version: number) => {
    // Best effort: a lost acknowledgement only makes the changing instance wait out its bound.
    void subscription?.send(`ack ${instance} ${orgId} ${version}`).catch((err: unknown) => logger.debug({ err }, 'could not acknowledge an RBAC change'));
  };

  subscription = await notifications.listen(RBAC_CHANNEL, {
    message: (payload) => {
      const m = parse(payload);
      if (!m) return;
      if (m.kind === 'change') {
        generations.bump(m.orgId);
        acknowledge(m.orgId, m.version);
        return;
      }
      let byInstance = acked.get(m.orgId);
      if (!byInstance) acked.set(m.orgId, (byInstance = new Map()));
      if (m.version > (byInstance.get(m.instance) ?? 0)) byInstance.set(m.instance, m.version);
      for (const w of waiting) if (w.orgId === m.orgId && ackCount(w.orgId, w.version) >= w.needed) w.done();
    },
    connected: () => {
      // Whatever was sent while we were not listening is lost: start again from the database.
      generations.bumpAll();
      live = true;
    },
    disconnected: (err) => {
      live = false;
      generations.bumpAll();
      // Nothing is served from cache until the listener is back; nobody needs to wait for this one's answer.
      for (const w of waiting) w.done();
      logger.warn({ err: { message: err.message } }, 'RBAC change listener disconnected; decisions are read from the database until it reconnects');
    },
  });
  const sub = subscription;
  return {
    current: async (orgId) => (live ? generations.of(orgId) : undefined),
    peek: (orgId) => (live ? generations.of(orgId) : undefined),
    async invalidate(orgId) {
      generations.bump(orgId);
      if (!live) return;
      const [version, needed] = await Promise.all([db.write((tx) => readVersion(tx, store, orgId)), sub.peers()]);
      if (ackCount(orgId, version) >= needed) return;
      await new Promise<void>((resolve) => {
        const w = {
          orgId,
          version,
          needed,
          done: () => {
            waiting.delete(w);
            clearTimeout(timer);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          logger.warn(
            { orgId, version, acknowledged: ackCount(orgId, version), listeners: needed },
            'not every instance acknowledged an RBAC change in time; answering anyway',
          );
          w.done();
        }, ACK_TIMEOUT_MS);
        waiting.add(w);
      });
    },
    close: () => sub.close(),
  };
}
