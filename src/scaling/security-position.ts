// The security position: the newest WAL position at which a change to tokens or members (who may sign in, with which
// role) is known to have committed. A read that must see such changes (ReadOptions.fresh = 'credentials': the token
// lookup of every request, /v1/me) may then go to a replica that has replayed it instead of the primary, so a
// read-only request touches no primary in steady state.
//
// How every instance learns it: triggers on tokens and members (migration.ts) NOTIFY SECURITY_CHANNEL in the changing
// transaction, delivered at its commit, and leave a commit notice the router reads with the commit's position.
// The instance that committed announces that position on the channel and answers its client only once every
// listening instance has acknowledged it (or a bounded wait ran out: an instance that does not answer is
// reconnecting or gone, and reads credentials from the primary meanwhile). An instance that hears a bare change
// (another program, or an instance that died before announcing) sends its credential reads to the primary until it
// has read the primary's current position. While the listener is down, and until it has read that position after
// connecting (after a failover too), there is no security position: credential reads go to the primary.
import { randomUUID } from 'node:crypto';
import type { ListenHandlers, Subscription } from '../db/database.js';
import { formatLsn, parseLsn } from './lsn.js';
import type { Logger } from '../server/logger.js';

export const SECURITY_CHANNEL = 'flagship_security';
/** The commit notice the triggers leave (see COMMIT_NOTICE). */
export const SECURITY_NOTICE = 'security';
/** How long a security change waits for every instance's acknowledgement before answering anyway. */
const ACK_TIMEOUT_MS = 5000;
const RESYNC_MS = 500;

type Message = { kind: 'change' } | { kind: 'pos'; lsn: bigint } | { kind: 'ack'; instance: string; lsn: bigint };

function parse(payload: string): Message | undefined {
  const [kind, a = '', b = ''] = payload.split(' ');
  if (kind === 'change') return { kind };
  const lsn = parseLsn(kind === 'pos' ? a : b);
  if (lsn === undefined) return undefined;
  if (kind === 'pos') return { kind, lsn };
  if (kind === 'ack') return { kind, instance: a, lsn };
  return undefined;
}

export interface SecurityPositionDeps {
  listen(channel: string, handlers: ListenHandlers): Promise<Subscription>;
  /** The primary's current WAL insert position (past every commit so far). */
  primaryPosition(): Promise<bigint>;
  logger: Logger;
}

export class SecurityPosition {
  readonly #instance = randomUUID();
  #position: bigint | undefined;
  /** Listening, and the position covers everything committed before the listener connected. */
  #synced = false;
  /** Bare changes heard whose position is still being read from the primary. */
  #pending = 0;
  #sub: Subscription | undefined;
  #resync: NodeJS.Timeout | undefined;
  #closed = false;
  /** Bumped at each connect and disconnect, so a position read for an earlier connection syncs nothing. */
  #epoch = 0;
  #connected = false;
  readonly #acked = new Map<string, bigint>();
  readonly #waiting = new Set<{ lsn: bigint; needed: number; done: () => void }>();

  constructor(private readonly deps: SecurityPositionDeps) {}

  /** What a replica must have replayed to serve a credentials read; undefined: only the primary may. */
  get floor(): bigint | undefined {
    return this.#synced && this.#pending === 0 ? this.#position : undefined;
  }

  /** Listens from now on; the position is usable once the listener is up and has read the primary's position. */
  async start(): Promise<void> {
    this.#sub = await this.deps.listen(SECURITY_CHANNEL, {
      message: (payload) => this.#heard(payload),
      connected: () => {
        this.#epoch++;
        this.#connected = true;
        this.#sync();
      },
      disconnected: (err) => {
        this.#epoch++;
        this.#connected = false;
        this.#synced = false;
        for (const w of this.#waiting) w.done();
        this.deps.logger.warn(
          { err: { message: err.message } },
          'security change listener disconnected; credentials are read from the primary until it is back',
        );
      },
    });
  }

  /** This instance committed a security change ending before `lsn`: every instance must know before the answer. */
  async announce(lsn: bigint): Promise<void> {
    this.#raise(lsn);
    const sub = this.#sub;
    if (!sub || !this.#synced) return; // the others read the primary until they hear it or resync
    try {
      await sub.send(`pos ${formatLsn(lsn)}`);
      const needed = await sub.peers();
      if (this.#ackCount(lsn) >= needed) return;
      await new Promise<void>((resolve) => {
        const w = {
          lsn,
          needed,
          done: () => {
            this.#waiting.delete(w);
            clearTimeout(timer);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          this.deps.logger.warn(
            { lsn: formatLsn(lsn), acknowledged: this.#ackCount(lsn), listeners: needed },
            'not every instance acknowledged a security change in time; answering anyway',
          );
          w.done();
        }, ACK_TIMEOUT_MS);
        this.#waiting.add(w);
      });
    } catch (err) {
      // The change committed; the trigger's own notice still reaches the other instances.
      this.deps.logger.warn({ err: { message: (err as Error).message } }, 'could not announce a security change');
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#resync);
    for (const w of this.#waiting) w.done();
    await this.#sub?.close();
  }

  #ackCount(lsn: bigint): number {
    let n = 0;
    for (const v of this.#acked.values()) if (v >= lsn) n++;
    return n;
  }

  #raise(lsn: bigint): void {
    if (this.#position === undefined || lsn > this.#position) this.#position = lsn;
  }

  #heard(payload: string): void {
    const m = parse(payload);
    if (!m) return;
    if (m.kind === 'change') {
      // Committed at some position we do not know yet: the primary only, until we have read past it.
      this.#pending++;
      void this.deps
        .primaryPosition()
        .then(
          (lsn) => this.#raise(lsn),
          () => {
            this.#synced = false;
            this.#scheduleSync();
          },
        )
        .finally(() => this.#pending--);
    } else if (m.kind === 'pos') {
      this.#raise(m.lsn);
      void this.#sub?.send(`ack ${this.#instance} ${formatLsn(m.lsn)}`).catch(() => undefined);
    } else {
      if (m.lsn > (this.#acked.get(m.instance) ?? 0n)) this.#acked.set(m.instance, m.lsn);
      for (const w of this.#waiting) if (this.#ackCount(w.lsn) >= w.needed) w.done();
    }
  }

  /** Whatever committed while nobody listened ends before the primary's current position: start from there. */
  #sync(): void {
    this.#synced = false;
    const epoch = this.#epoch;
    void this.deps.primaryPosition().then(
      (lsn) => {
        this.#raise(lsn);
        if (epoch === this.#epoch && this.#connected) this.#synced = true;
      },
      () => this.#scheduleSync(),
    );
  }

  #scheduleSync(): void {
    if (this.#closed) return;
    clearTimeout(this.#resync);
    this.#resync = setTimeout(() => {
      if (this.#connected) this.#sync();
    }, RESYNC_MS);
    this.#resync.unref();
  }
}
