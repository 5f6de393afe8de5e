// tinybench runs a group's entries one after the other, so load that comes and goes on a shared machine favours
// whichever ran in a quiet moment (ratios moved by 0.2 between runs). A group's entries therefore run in ROUNDS
// interleaved rounds, a fifth of the iterations each, named `<name> · round <n>`; bench/run.ts reports the median of
// an entry's rounds.
import { bench } from 'vitest';

const ROUNDS = 5;

type BenchOptions = { iterations: number; warmupIterations: number; time: number };

export function interleaved(entries: Array<[name: string, fn: () => void | Promise<void>, options: BenchOptions]>): void {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, fn, o] of entries) {
      // Warmed up in the first round only; the later ones follow straight on.
      bench(`${name} · round ${round}`, fn, {
        ...o,
        iterations: Math.max(1, Math.round(o.iterations / ROUNDS)),
        warmupIterations: round === 1 ? o.warmupIterations : 0,
      });
    }
  }
}
