// Every process the bench starts ends with it, whether the run finishes, fails or is interrupted. The HTTP servers
// are this process's children and are tracked one by one. The vitest benches run in a process group of their own:
// what they start (bundle servers, test servers) stays in that group even once its parent is gone and it is
// re-parented to init, so the group is what is stopped and then checked to be empty.
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * The fields of /proc/<pid>/stat after the command name (state first), which may itself hold spaces and parentheses:
 * the fixed fields start after its last closing parenthesis. Throws when the process is gone.
 */
export function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

export interface Survivor {
  readonly pid: number;
  readonly command: string;
}

const children = new Set<ChildProcess>();
const groups = new Set<number>();

/** A child of this process, stopped at the end if it is still running then. */
export function trackChild(proc: ChildProcess): void {
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
}

/** A process group (a child spawned with `detached: true`, whose pid is the group's id) and all it will start. */
export function trackGroup(pgid: number): void {
  groups.add(pgid);
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 160);
  } catch {
    return '?';
  }
}

/** Every live process of the tracked groups, from /proc (Linux); zombies are dead already and are left out. */
function groupMembers(): Survivor[] {
  if (groups.size === 0) return [];
  const found: Survivor[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // After the command name: state, ppid, pgrp, ...
      const [state, , pgrp] = statFields(Number(entry));
      if (state !== 'Z' && groups.has(Number(pgrp))) found.push({ pid: Number(entry), command: commandOf(Number(entry)) });
    } catch {
      // Gone between the listing and the read.
    }
  }
  return found;
}

/** What the bench started and is still running. */
export function survivors(): Survivor[] {
  const own = [...children].filter((p) => p.exitCode === null && p.signalCode === null && p.pid !== undefined);
  const listed = groupMembers();
  const pids = new Set(listed.map((s) => s.pid));
  return [...listed, ...own.filter((p) => !pids.has(p.pid!)).map((p) => ({ pid: p.pid!, command: commandOf(p.pid!) }))];
}

function signal(sig: NodeJS.Signals): void {
  for (const proc of children) if (proc.exitCode === null && proc.signalCode === null) proc.kill(sig);
  for (const pgid of groups) {
    try {
      process.kill(-pgid, sig);
    } catch {
      // ESRCH: nothing left in the group.
    }
  }
}

async function settled(deadlineMs: number): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  while (survivors().length > 0) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/**
 * Stops whatever the bench started that is still running: SIGTERM, then SIGKILL for what is left after `graceMs`.
 * Returns what it found running, for the run's output.
 */
export async function stopEverything(graceMs = 10_000): Promise<Survivor[]> {
  const found = survivors();
  if (found.length === 0) return [];
  signal('SIGTERM');
  if (!(await settled(graceMs))) {
    signal('SIGKILL');
    await settled(5_000);
  }
  return found;
}

/** The check at the end of a run: nothing the bench started outlives it. */
export class LeftRunningError extends Error {
  override name = 'LeftRunningError';
}

export function assertNothingLeft(): void {
  const left = survivors();
  if (left.length > 0) {
    throw new LeftRunningError(
      `the bench started processes that are still running even after SIGKILL: ${left.map((s) => `${s.pid} (${s.command})`).join(', ')}; stop them with kill -9`,
    );
  }
}

/** A package manager, by the name it shows (npm and npx name themselves; pnpm, yarn and bun run as themselves or node). */
const PACKAGE_MANAGER = /^(\S*\/)?(npm|npx|pnpm|pnpx|yarn|bun|bunx)(\s|$)|^(\S*\/)?node( -\S+)* \S*\/(pnpm|yarn)[^\s/]*(\s|$)/;
/** What a package manager runs a script through: `sh -c`, and node (tsx's CLI). */
const STARTERS = /^(\S*\/)?(node|sh -c)(\s|$)/;

/**
 * Calls `gone` once, with the first of the processes that started this one found gone: `npm run bench` runs it under
 * npm, a shell and tsx, and a kill -9 of any of those reaches nothing below it, which runs on, orphaned, with
 * everything it started. Those are the ancestors watched: each one up from the parent while it is node, a `sh -c`
 * (how a package manager runs a script) or a package manager, and no further than the first package manager. Above
 * it (the user's shell or script, a terminal, a CI runner) a process may end with the run meant to go on (`npm run
 * bench &`, nohup), so none is watched. A signal to the whole group (Ctrl-C) or to this process is handled as it is
 * sent; this is for the rest. Each ancestor is known by its pid and start time, so a pid used again is not taken for
 * it. Checks every `everyMs` on a timer that holds no process up; returns what stops the checks.
 */
export function watchAncestors(gone: (ancestor: Survivor) => void, everyMs = 1_000): () => void {
  const startOf = (pid: number): string | undefined => {
    try {
      // After the command name, the start time is the 20th field (the 22nd of the line).
      return statFields(pid)[19];
    } catch {
      return undefined;
    }
  };
  const ancestors: Array<Survivor & { readonly start: string }> = [];
  for (let pid = process.ppid; pid > 1 && ancestors.length < 32;) {
    const start = startOf(pid);
    const command = commandOf(pid);
    const manager = PACKAGE_MANAGER.test(command);
    if (start === undefined || !(manager || STARTERS.test(command))) break;
    ancestors.push({ pid, command, start });
    if (manager) break;
    pid = Number(statFields(pid)[1]);
  }
  const timer = setInterval(() => {
    const lost = ancestors.find((a) => startOf(a.pid) !== a.start);
    if (!lost) return;
    clearInterval(timer);
    gone(lost);
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
