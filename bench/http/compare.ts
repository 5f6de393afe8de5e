// Turning interleaved runs into one figure per side and a ratio. Pure, so the rules are tested on their own
// (test/unit/bench-report.test.ts): a figure with any non-2xx answer or connection error is void, never a ratio.
import type { LoadResult } from './load.js';

/** One side's runs together: the counts summed, the latencies of its median run. */
export interface Side extends Omit<LoadResult, 'serverCpuMs'> {
  /** 2xx answers per second over every measured run of this side. */
  readonly perSecond: number;
  readonly runs: number[];
  /** The server process's CPU time per 2xx answer, over every run; null when it could not be read. */
  readonly cpuUsPerRequest: number | null;
}

export interface Comparison {
  readonly flagship: Side;
  readonly baseline: Side;
  /** flagship per second / baseline per second; null when void. */
  readonly ratio: number | null;
  /**
   * baseline CPU per request / flagship CPU per request: the same comparison by the work each server process did,
   * which other load on a shared machine moves much less than requests per second. Null when void or unknown.
   */
  readonly cpuRatio: number | null;
  /** Why there is no ratio. */
  readonly voided: string | null;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length === 0 ? 0 : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function side(runs: readonly LoadResult[]): Side {
  const ok = runs.reduce((n, r) => n + r.ok, 0);
  const seconds = runs.reduce((n, r) => n + r.seconds, 0);
  const statuses: Record<string, number> = {};
  for (const r of runs) for (const [code, count] of Object.entries(r.statuses)) statuses[code] = (statuses[code] ?? 0) + count;
  return {
    perSecond: seconds > 0 ? ok / seconds : 0,
    ok,
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    seconds,
    latencyP50Ms: median(runs.map((r) => r.latencyP50Ms)),
    latencyP99Ms: median(runs.map((r) => r.latencyP99Ms)),
    statuses,
    runs: runs.map((r) => (r.seconds > 0 ? Math.round(r.ok / r.seconds) : 0)),
    cpuUsPerRequest: ok > 0 && runs.every((r) => r.serverCpuMs !== null) ? (runs.reduce((n, r) => n + r.serverCpuMs!, 0) * 1000) / ok : null,
  };
}

function fault(name: string, s: Side): string | undefined {
  if (s.non2xx > 0) {
    const codes = Object.entries(s.statuses)
      .filter(([c]) => !c.startsWith('2'))
      .map(([c, n]) => `${n}x ${c}`)
      .join(', ');
    return `${name} answered ${s.non2xx} non-2xx (${codes})`;
  }
  if (s.errors > 0) return `${name} had ${s.errors} connection errors or timeouts`;
  if (s.ok === 0) return `${name} answered nothing`;
  return undefined;
}

export function compare(flagship: readonly LoadResult[], baseline: readonly LoadResult[]): Comparison {
  const f = side(flagship);
  const b = side(baseline);
  const voided = [fault('flagship', f), fault('baseline', b)].filter((x) => x !== undefined).join('; ') || null;
  const cpuRatio = voided || f.cpuUsPerRequest === null || b.cpuUsPerRequest === null || f.cpuUsPerRequest === 0 ? null : b.cpuUsPerRequest / f.cpuUsPerRequest;
  return { flagship: f, baseline: b, ratio: voided ? null : f.perSecond / b.perSecond, cpuRatio, voided };
}
