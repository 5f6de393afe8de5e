// Detached guard for one harness temp dir. When the process that started the servers dies without cleaning up
// (Ctrl-C, SIGKILL, a crashed vitest worker), it stops every server under the dir and removes the dir.
// Plain JavaScript on purpose: it runs under bare `node`, outside vitest's TypeScript loader.
//
//   node watchdog.mjs '{"ownerPid":123,"ownerStart":"456","tempDir":"/tmp/flagship-pg-x","binDir":"...","uid":65534,"gid":65534}'
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

const config = JSON.parse(process.argv[2] ?? '{}');
const { ownerPid, ownerStart, tempDir, binDir, uid, gid } = config;
if (!Number.isInteger(ownerPid) || typeof tempDir !== 'string' || !path.isAbsolute(tempDir)) process.exit(2);

function read(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** [state, starttime] from /proc/<pid>/stat; undefined when there is no /proc entry. */
function procStat(pid) {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [fields[0], fields[19]];
}

function alive(pid, start) {
  const stat = procStat(pid);
  if (stat) {
    // A zombie has exited; a different start time means the pid was reused by another process.
    return stat[0] !== 'Z' && (start === undefined || stat[1] === start);
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

function dataDirs() {
  try {
    return readdirSync(tempDir)
      .map((name) => path.join(tempDir, name))
      .filter((dir) => existsSync(path.join(dir, 'PG_VERSION')));
  } catch {
    return [];
  }
}

/** Processes whose command line names the temp dir (postmasters), and their children. */
function leftovers() {
  let pids;
  try {
    pids = readdirSync('/proc')
      .filter((e) => /^\d+$/.test(e))
      .map(Number);
  } catch {
    return [];
  }
  const found = new Set();
  const parent = new Map();
  for (const pid of pids) {
    if (pid === process.pid) continue;
    if (read(`/proc/${pid}/cmdline`)?.includes(`${tempDir}/`)) found.add(pid);
    const stat = read(`/proc/${pid}/stat`);
    if (stat) parent.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
  }
  for (const [pid, ppid] of parent) if (found.has(ppid)) found.add(pid);
  return [...found];
}

function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function cleanUp() {
  for (const dir of dataDirs()) {
    if (!existsSync(path.join(dir, 'postmaster.pid'))) continue;
    // pg_ctl refuses root, so it runs as the same unprivileged user the servers run as.
    spawnSync(path.join(binDir, 'pg_ctl'), ['stop', '-D', dir, '-m', 'immediate', '-w', '-t', '10', '-s'], {
      ...(Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : {}),
      cwd: tempDir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tempDir, LC_ALL: 'C' },
      stdio: 'ignore',
      timeout: 15_000,
    });
  }
  // Whatever pg_ctl could not stop (missing binaries, a deleted data dir) is killed outright.
  let pids = leftovers();
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (let i = 0; i < 100 && pids.length > 0; i++) {
    sleepSync(50);
    pids = pids.filter((pid) => alive(pid));
  }
  rmSync(tempDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}

const timer = setInterval(() => {
  // The owner removed the dir itself: nothing left to guard.
  if (!existsSync(tempDir)) process.exit(0);
  if (alive(ownerPid, ownerStart)) return;
  clearInterval(timer);
  try {
    cleanUp();
  } finally {
    process.exit(0);
  }
}, 500);
