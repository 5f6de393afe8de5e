// The background check of every node: its role (pg_is_in_recovery) and WAL position, every interval, and from them
// each replica's lag in bytes and in seconds (lag-clock.ts).
// A failed check ejects a node from reads, the next good one re-admits it. Roles are discovered, not configured: the
// write target is the node answering read-write, and it only changes when the current one is unreachable or in
// recovery, so there are never two primaries at once.
import { parseLsn } from './lsn.js';
import { probeNode } from './node-status.js';
import type { Logger } from '../server/logger.js';
import { LagClock } from './lag-clock.js';
import type { DbNode } from './node.js';

export interface MonitorEvents {
  /** After every round, with the lowest replay position among replicas (undefined when there is none). */
  onRound?(lowestReplay: bigint | undefined): void;
}

export class HealthMonitor {
  #primary: DbNode | undefined;
  /** The furthest WAL position known on the current primary (its checks and the writes' commit positions). */
  #primaryLsn: bigint | undefined;
  /** When the primary reached each position: what replicas' lag in seconds is measured against. */
  readonly #clock = new LagClock();
  /**
   * When a check last found a node answering read-write (the primary's own answer). Never, until one does: a process
   * started while no primary answers has seen none, and must not let a replica check tokens for a bound's worth of
   * time on each start (a restart loop during a partition would otherwise renew it again and again). Kept on both
   * clocks, and the time since is the longer of the two: the wall clock can be stepped back (NTP, an operator), which
   * would make the primary look seen a moment ago; the monotonic one (performance.now()) stands still while the
   * machine is suspended. Either alone would trust replicas past the bound by the step or the sleep.
   */
  #primarySeenAt = { monotonic: Number.NEGATIVE_INFINITY, wall: Number.NEGATIVE_INFINITY };
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(
    readonly nodes: readonly DbNode[],
    private readonly intervalMs: number,
    private readonly logger: Logger,
    private readonly events: MonitorEvents = {},
  ) {}

  /** The node writes go to: the one found read-write (undefined until one is). */
  get primary(): DbNode | undefined {
    return this.#primary;
  }

  get primaryLsn(): bigint | undefined {
    return this.#primaryLsn;
  }

  /** How long since a check last found a node answering read-write: 0 while the primary does, Infinity if none ever did. */
  primaryAbsentMs(): number {
    const current = this.#primary;
    if (current?.healthy && current.role === 'primary') return 0;
    const seen = this.#primarySeenAt;
    return Math.max(performance.now() - seen.monotonic, Date.now() - seen.wall);
  }

  /** Checks every interval until stop(); the first round is the caller's (verify runs it). */
  start(): void {
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      void this.round().finally(() => this.#schedule()); // round() never rejects; this only chains the next one
    }, this.intervalMs);
    // Checks alone must not keep a stopping process alive.
    this.#timer.unref();
  }

  /** A round as soon as possible (a query failed, a write met a read-only server); coalesced with one in flight. */
  checkSoon(): void {
    if (this.#round) this.#again = true;
    else void this.round(); // never rejects: failures are recorded on the nodes
  }

  /** Checks every node once, in parallel, then settles the primary and each replica's lag. */
  round(): Promise<void> {
    this.#round ??= (async () => {
      do {
        this.#again = false;
        await Promise.all(this.nodes.map((n) => this.#check(n)));
        this.#elect();
        this.#settleLag();
      } while (this.#again && !this.#stopped);
      this.#round = undefined;
    })();
    return this.#round;
  }

  /** A write committed on the primary up to `lsn`. */
  noteWrite(node: DbNode, lsn: bigint): void {
    if (node !== this.#primary) return;
    if (this.#primaryLsn === undefined || lsn > this.#primaryLsn) this.#primaryLsn = lsn;
    this.#clock.saw(lsn);
  }

  /** A query on `node` failed as if the server were gone: out of the read rotation at once, re-checked soon. */
  suspect(node: DbNode, reason: string): void {
    if (node.eject(reason)) this.logger.warn({ node: node.name, region: node.region, reason }, 'database node ejected');
    this.checkSoon();
  }

  #check(node: DbNode): Promise<void> {
    node.checking ??= (async () => {
      try {
        const status = await probeNode(node.probe);
        const role = status.inRecovery ? 'replica' : 'primary';
        if (node.answeredRole !== undefined && node.answeredRole !== role)
          this.logger.warn({ node: node.name, was: node.answeredRole, now: role }, 'database node changed role');
        node.role = role;
        node.answeredRole = role;
        node.lsn = parseLsn(status.lsn);
        node.lastCheckAt = Date.now();
        if (role === 'primary') this.#primarySeenAt = { monotonic: performance.now(), wall: node.lastCheckAt };
        node.lastFailure = undefined;
        if (!node.healthy) {
          node.healthy = true;
          this.logger.info({ node: node.name, region: node.region, role }, 'database node admitted');
        }
      } catch (err) {
        node.lastFailure = err;
        // What it said before is history: a primary that does not answer takes no writes and is not "the primary".
        node.role = 'unreachable';
        const reason = (err as Error).message;
        if (node.eject(reason)) this.logger.warn({ node: node.name, region: node.region, reason }, 'database node ejected');
      } finally {
        node.checking = undefined;
        // Settled as each answer arrives, not once the slowest node of the round has answered: reads are routed on the
        // nodes' roles as they stand, and a promoted node must be the primary the moment it is seen answering as one.
        this.#elect();
      }
    })();
    return node.checking;
  }

  #elect(): void {
    const current = this.#primary;
    if (current?.healthy && current.role === 'primary') {
      if (current.lsn !== undefined && (this.#primaryLsn === undefined || current.lsn > this.#primaryLsn)) this.#primaryLsn = current.lsn;
      if (current.lsn !== undefined) this.#clock.saw(current.lsn);
      return;
    }
    // The current primary is unreachable or in recovery: take the first node answering read-write, if any.
    const next = this.nodes.find((n) => n.healthy && n.role === 'primary');
    if (!next) return;
    this.#primary = next;
    // A promoted replica continues from its own position on a new timeline; the old primary's is meaningless now.
    this.#primaryLsn = next.lsn;
    this.#clock.reset();
    if (next.lsn !== undefined) this.#clock.saw(next.lsn);
    if (current) this.logger.warn({ from: current.name, to: next.name }, 'writes now go to a new primary');
    else this.logger.info({ node: next.name }, 'primary found');
  }

  #settleLag(): void {
    let lowest: bigint | undefined;
    for (const n of this.nodes) {
      if (n.role !== 'replica') {
        n.lagBytes = 0;
        n.lagSeconds = n.role === 'primary' ? 0 : Number.POSITIVE_INFINITY;
      } else {
        n.lagBytes = this.#primaryLsn !== undefined && n.lsn !== undefined && this.#primaryLsn > n.lsn ? Number(this.#primaryLsn - n.lsn) : 0;
        n.lagSeconds = this.#clock.secondsBehind(n.lsn);
      }
      // Unreachable replicas count too: one re-admitted later must not serve a principal whose write it never replayed.
      if (n.answeredRole === 'replica' && n.role !== 'primary' && n.lsn !== undefined && (lowest === undefined || n.lsn < lowest)) lowest = n.lsn;
    }
    // With no replica at all, no read can be stale: nothing needs remembering.
    if (!this.nodes.some((n) => n.answeredRole === 'replica' && n.role !== 'primary')) lowest = this.#primaryLsn;
    this.events.onRound?.(lowest);
  }

  /** Logs the topology as the checks found it: each server once, its role and region. */
  announce(): void {
    const nodes = this.nodes.map((n) => ({ node: n.name, role: n.role, ...(n.region ? { region: n.region } : {}) }));
    const readers = this.nodes.filter((n) => n.role === 'replica').length;
    this.logger.info(
      { nodes },
      `database topology: ${this.nodes.length} server${this.nodes.length === 1 ? '' : 's'}, primary ${this.#primary?.name ?? 'none'}, ${readers} serving reads as replica${readers === 1 ? '' : 's'}`,
    );
  }
}
