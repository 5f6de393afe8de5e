// bench/processes.ts, which stops what a bench run started: a process group whose leader has exited still holds the
// orphan it started (as the vitest benches leave bundle servers behind), and one that ignores SIGTERM is killed.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { expect, it } from 'vitest';
import { assertNothingLeft, stopEverything, survivors, trackGroup } from '../../bench/processes.js';
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

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

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
    expect(alive(pid)).toBe(true);
    expect(survivors().map((s) => s.pid)).toContain(pid);
    expect(() => assertNothingLeft()).toThrow(new RegExp(`still running.*${pid}`));

    const stopped = await stopEverything(500);
    expect(stopped.map((s) => s.pid)).toContain(pid);
    expect(survivors()).toEqual([]);
    expect(() => assertNothingLeft()).not.toThrow();
  } finally {
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
});

it('tells a process that one of its ancestors is gone (npm or tsx above the bench, killed with kill -9)', async () => {
  // A parent that starts a watcher, and is then killed: the watcher, orphaned, says which ancestor it lost.
  const parentScript = `const c = require('node:child_process').spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', ${JSON.stringify(WATCHER)}], { stdio: ['ignore', 'inherit', 'inherit'] }); setInterval(() => {}, 1000);`;
  const parent = spawn(process.execPath, ['-e', parentScript], { stdio: ['ignore', 'pipe', 'inherit'] });
  let printed = '';
  const said = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not said within 30 s: ${text}; printed: ${printed}`)), 30_000);
      const look = () => {
        if (!printed.includes(text)) return;
        clearTimeout(timer);
        resolve();
      };
      parent.stdout.on('data', (c: Buffer) => {
        printed += c.toString();
        look();
      });
      look();
    });
  try {
    await said('watching');
    parent.kill('SIGKILL');
    await said(`{"gone":${parent.pid}}`);
  } finally {
    if (alive(parent.pid!)) parent.kill('SIGKILL');
  }
});

it('watches no ancestor above those npm runs a script through: a run started in the background outlives its shell', async () => {
  // `npm run bench &` in a shell that then ends: the shell is no process of the run's own.
  const shell = spawn('bash', ['-c', `"$0" --import tsx --input-type=module -e "$1" & sleep 0.1; exit 0`, process.execPath, WATCHER], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let printed = '';
  shell.stdout.on('data', (c: Buffer) => (printed += c.toString()));
  const pid = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the watcher did not start: ${printed}`)), 30_000);
    shell.stdout.on('data', () => {
      const m = /"watching":(\d+)/.exec(printed);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  try {
    // The shell has ended by now or soon: give the watcher time to look at least ten times after that.
    if (shell.exitCode === null && shell.signalCode === null) await once(shell, 'exit');
    await new Promise((r) => setTimeout(r, 1000));
    expect(printed).not.toContain('"gone"');
    expect(alive(pid)).toBe(true);
  } finally {
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
});

it('watches up to the package manager and no further: a script above it may end, the package manager may not', async () => {
  // sh -c starts a launcher that starts a package manager (a node process named npm) and ends; the package manager
  // starts the watcher and stays. Ending the sh and the launcher is nothing to the watcher; a kill -9 of npm is.
  const npm = `require('node:child_process').spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', ${JSON.stringify(WATCHER)}], { stdio: ['ignore', 'inherit', 'inherit'] }); console.log(JSON.stringify({ npm: process.pid })); setInterval(() => {}, 1000);`;
  const launcher = `require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(npm)}], { argv0: 'npm', stdio: ['ignore', 'inherit', 'inherit'] }).unref(); setTimeout(() => process.exit(0), 200);`;
  const sh = spawn('sh', ['-c', '"$0" -e "$1" & sleep 0.2; exit 0', process.execPath, launcher], { stdio: ['ignore', 'pipe', 'inherit'] });
  let printed = '';
  sh.stdout.on('data', (c: Buffer) => (printed += c.toString()));
  const seen = (pattern: RegExp) => waitFor(`${pattern} in ${printed}`, () => pattern.exec(printed)?.[1], 30_000);
  const npmPid = Number(await seen(/"npm":(\d+)/));
  const watcherPid = Number(await seen(/"watching":(\d+)/));
  try {
    if (sh.exitCode === null && sh.signalCode === null) await once(sh, 'exit');
    // The sh and the launcher are gone: give the watcher time to look at least ten times after that.
    await new Promise((r) => setTimeout(r, 1000));
    expect(printed).not.toContain('"gone"');
    process.kill(npmPid, 'SIGKILL');
    await seen(new RegExp(`"gone":(${npmPid})`));
  } finally {
    for (const pid of [npmPid, watcherPid]) if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
});
