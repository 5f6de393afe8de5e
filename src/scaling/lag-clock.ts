// Lag in seconds that means what it says: when the primary's WAL reached each position, in this process's monotonic
// clock. A replica that has not replayed position P is at least as far behind as the time since the primary was
// first seen past P. That grows while a replica stops replaying, or receives nothing while it re-attaches to a new
// leader, and stays 0 on an idle cluster, with no clock of another server involved.

interface Sample {
  readonly lsn: bigint;
  readonly at: number;
}

/** Samples older than this are folded into one: enough to tell any replica past every bound anyone sets. */
const KEEP_MS = 120_000;
const MAX_SAMPLES = 4096;

export class LagClock {
  /** Ascending in both lsn and time. The first may be older than KEEP_MS: it stands for everything before. */
  #samples: Sample[] = [];

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** The primary's WAL was seen at `lsn` now (a check, or a write's commit). */
  saw(lsn: bigint): void {
    const last = this.#samples.at(-1);
    if (last && lsn <= last.lsn) return;
    const at = this.now();
    this.#samples.push({ lsn, at });
    while (this.#samples.length > 1 && (this.#samples.length > MAX_SAMPLES || this.#samples[1]!.at < at - KEEP_MS)) this.#samples.shift();
  }

  /** A new primary (another timeline): positions seen on the old one no longer measure anything. */
  reset(): void {
    this.#samples = [];
  }

  /** Whether any primary position is known: without one no replica can prove how far behind it is. */
  get known(): boolean {
    return this.#samples.length > 0;
  }

  /** Seconds a replica that replayed up to `replayed` is behind; Infinity when that cannot be told. */
  secondsBehind(replayed: bigint | undefined): number {
    if (this.#samples.length === 0 || replayed === undefined) return Number.POSITIVE_INFINITY;
    const first = this.#samples.find((s) => s.lsn > replayed);
    return first ? Math.max(0, (this.now() - first.at) / 1000) : 0;
  }
}
