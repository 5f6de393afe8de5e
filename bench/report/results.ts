// The shape of bench/results/latest.json: everything one `npm run bench` measured, from which docs/benchmarks.md's
// sections are rendered.
import type { HttpCaseResult, HttpSettings } from '../http/suite.js';

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly os: string;
  readonly postgres: string | null;
  /** 1-minute load averages when the run started and ended: other work on the machine skews absolute figures. */
  readonly loadAtStart: number;
  readonly loadAtEnd: number;
}

export interface BuildFigures {
  /** node build.mjs for every variant, one after the other, in one process. */
  readonly totalMs: number;
  /** Rounds built, the fastest kept (absent: one round). */
  readonly rounds?: number;
  readonly variants: ReadonlyArray<{ name: string; ms: number; bytes: number; groups: Record<string, number> }>;
}

/** One group of a vitest bench file: flagship's layer beside what a user would write instead. */
export interface BenchGroup {
  readonly file: string;
  readonly group: string;
  readonly entries: ReadonlyArray<{ name: string; hz: number; medianMs: number }>;
}

export interface BenchResults {
  readonly mode: 'full' | 'quick';
  readonly startedAt: string;
  readonly minutes: number;
  readonly machine: Machine;
  readonly build: BuildFigures | null;
  readonly http: {
    readonly settings: HttpSettings;
    readonly cases: HttpCaseResult[];
    /** Dialects that could not run, with the reason. */
    readonly skipped: Record<string, string>;
  } | null;
  readonly vitest: { readonly groups: BenchGroup[]; readonly skipped: string | null } | null;
}
