// Finding server processes by what they were started with, for when pg_ctl cannot stop them (e.g. their data
// directory was deleted underneath them). Linux only: elsewhere this finds nothing and pg_ctl is all there is.
import { readdirSync, readFileSync } from 'node:fs';
import { waitFor, WaitTimeoutError } from '../wait.js';

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Processes whose command line mentions `fragment`, plus their children (backends retitle themselves). */
export function processesMentioning(fragment: string, exclude: number[] = []): number[] {
  let pids: number[];
  try {
    pids = readdirSync('/proc')
      .filter((e) => /^\d+$/.test(e))
      .map(Number);
  } catch {
    return [];
  }
  const found = new Set<number>();
  const parentOf = new Map<number, number>();
  for (const pid of pids) {
    if (pid === process.pid || exclude.includes(pid)) continue;
    const cmdline = read(`/proc/${pid}/cmdline`);
    if (cmdline?.includes(fragment)) found.add(pid);
    const stat = read(`/proc/${pid}/stat`);
    const ppid = stat ? Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) : NaN;
    if (Number.isFinite(ppid)) parentOf.set(pid, ppid);
  }
  for (const [pid, ppid] of parentOf) if (found.has(ppid) && !exclude.includes(pid)) found.add(pid);
  return [...found];
}

export function isAlive(pid: number): boolean {
  const stat = read(`/proc/${pid}/stat`);
  if (stat !== undefined) return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGKILLs the processes and waits (bounded) until they are gone. */
export async function killAndWait(pids: number[], timeoutMs = 5000): Promise<number[]> {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  // What is still alive at the deadline is the answer, not an error: the caller decides what that means.
  await waitFor('processes gone after SIGKILL', () => !pids.some(isAlive), timeoutMs).catch((err: unknown) => {
    if (!(err instanceof WaitTimeoutError)) throw err;
  });
  return pids.filter(isAlive);
}
