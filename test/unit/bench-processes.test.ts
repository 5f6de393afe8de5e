// bench/processes.ts, which stops what a bench run started: a process group whose leader has exited still holds the
// orphan it started (as the vitest benches leave bundle servers behind), and one that ignores SIGTERM is killed.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { expect, it } from 'vitest';
import { assertNothingLeft, stopEverything, survivors, trackGroup } from '../../bench/processes.js';
import { isAlive } from '../support/postgres/procs.js';
import { waitFor } from '../support/wait.js';

/**
 * A process that watches its ancestors (bench/processes.ts) and says so, then prints which one it found gone and
 * exits; it ends by itself after 20 s.
 */
const WATCHER = [
  `const { watchAncestors } = await import(${JSON.stringify(new URL('../../bench/processes.ts', import.meta.url).href)});`,
  'watchAncestors((a) => { console.log(JSON.stringify({ gone: a.pid })); process.exit(0); }, 50);',
  'console.log(JSON.stringify({ watching: process.pid }));',
  'setTimeout(() => {}, 20_000);',
].join('\n');

/** What `proc` prints, and a wait for the first match of `pattern` in it (its first group). */
function printedBy(proc: ChildProcess) {
  let printed = '';
  proc.stdout!.on('data', (c: Buffer) => (printed += c.toString()));
  return {
    text: () => printed,
    seen: (pattern: RegExp) =>
      waitFor(
        `${pattern} printed`,
        () => pattern.exec(printed)?.[1],
        30_000,
        50,
        () => printed,
      ),
  };
}

it('finds the orphan of an exited group leader, stops it although it ignores SIGTERM, and then finds nothing', async () => {
  // The leader starts a grandchild that ignores SIGTERM, prints its pid and exits: the grandchild is orphaned. It says
  // "armed" (on the same pipe) once its handler is in place, so the SIGTERM below meets the handler.
  const orphan = `process.on('SIGTERM', () => {}); console.log('armed'); setInterval(() => {}, 1000);`;
  const leader = `const c = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(orphan)}], { stdio: ['ignore', 'inherit', 'ignore'] }); c.unref(); console.log(c.pid);`;
  const group = spawn(process.execPath, ['-e', leader], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  trackGroup(group.pid!);
  let printed = '';
  const armed = new Promise<void>((resolve) =>
    group.stdout.on('data', (c: Buffer) => {
      printed += c.toString();
      if (printed.includes('armed')) resolve();
    }),
  );
  await Promise.all([once(group, 'exit'), armed]);
  const pid = Number(/^(\d+)$/m.exec(printed)![1]);
  try {
    expect(isAlive(pid)).toBe(true);
    expect(survivors().map((s) => s.pid)).toContain(pid);
    expect(() => assertNothingLeft()).toThrow(new RegExp(`still running.*${pid}`));

    const stopped = await stopEverything(500);
    expect(stopped.map((s) => s.pid)).toContain(pid);
    expect(survivors()).toEqual([]);
    expect(() => assertNothingLeft()).not.toThrow();
  } finally {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
});

it('tells a process that one of its ancestors is gone (npm or tsx above the bench, killed with kill -9)', async () => {
  // A parent that starts a watcher, and is then killed: the watcher, orphaned, says which ancestor it lost.
  const parentScript = `const c = require('node:child_process').spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', ${JSON.stringify(WATCHER)}], { stdio: ['ignore', 'inherit', 'inherit'] }); setInterval(() => {}, 1000);`;
  const parent = spawn(process.execPath, ['-e', parentScript], { stdio: ['ignore', 'pipe', 'inherit'] });
  const out = printedBy(parent);
  try {
    await out.seen(/"watching":(\d+)/);
    parent.kill('SIGKILL');
    await out.seen(new RegExp(`"gone":(${parent.pid})`));
  } finally {
    if (isAlive(parent.pid!)) parent.kill('SIGKILL');
  }
});

it('watches up to the package manager and no further: a script above it may end, the package manager may not', async () => {
  // sh -c starts a launcher that starts a package manager (a node process named npm) and ends; the package manager
  // starts the watcher and stays. Ending the sh and the launcher is nothing to the watcher; a kill -9 of npm is.
  const npm = `require('node:child_process').spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', ${JSON.stringify(WATCHER)}], { stdio: ['ignore', 'inherit', 'inherit'] }); console.log(JSON.stringify({ npm: process.pid })); setInterval(() => {}, 1000);`;
  const launcher = `require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(npm)}], { argv0: 'npm', stdio: ['ignore', 'inherit', 'inherit'] }).unref(); setTimeout(() => process.exit(0), 200);`;
  const sh = spawn('sh', ['-c', '"$0" -e "$1" & sleep 0.2; exit 0', process.execPath, launcher], { stdio: ['ignore', 'pipe', 'inherit'] });
  const { text: printed, seen } = printedBy(sh);
  const npmPid = Number(await seen(/"npm":(\d+)/));
  const watcherPid = Number(await seen(/"watching":(\d+)/));
  try {
    if (sh.exitCode === null && sh.signalCode === null) await once(sh, 'exit');
    // The sh and the launcher are gone: give the watcher time to look at least ten times after that.
    await new Promise((r) => setTimeout(r, 1000));
    expect(printed()).not.toContain('"gone"');
    process.kill(npmPid, 'SIGKILL');
    await seen(new RegExp(`"gone":(${npmPid})`));
  } finally {
    for (const pid of [npmPid, watcherPid]) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
});
