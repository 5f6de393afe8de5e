// A throwaway primary with streaming replicas, started from PostgreSQL binaries in a fresh temp dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, chmod, cp, lchown, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyInstallation, type PgBinaries } from './find-binaries.js';
import { logFileFor, pgCtlStart, pgCtlStop, type NodeTarget } from './node-control.js';
import { killAndWait, processesMentioning } from './procs.js';
import { waitForReplay, waitForStreaming } from './replication.js';
import { chownTree, run, usableBy, type RunAs } from './run-as.js';
import { logTail, waitForConnect, withClient } from './sql.js';
import type { PgNodeInfo, PgTopologyInfo, StartedTopology } from './types.js';

export const TEST_DATABASE = 'flagship_test';

export interface ClusterOptions {
  binaries: PgBinaries;
  replicas: number;
  /** Make replicas by copying the stopped primary's data dir instead of pg_basebackup. */
  coldCopy: boolean;
  runAs: RunAs | undefined;
  /** Run from a copy of the installation inside the temp dir, because runAs cannot read it in place. */
  copyBinaries: boolean;
}

interface Node {
  info: PgNodeInfo & { dataDir: string };
  target: NodeTarget;
}

// Durability is worthless for throwaway test data; speed and quick replica reconnects are what matter.
function serverSettings(socketDir: string): string {
  return `
# flagship test harness
listen_addresses = '127.0.0.1'
unix_socket_directories = '${socketDir}'
max_connections = 200
shared_buffers = 32MB
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
wal_keep_size = 512MB
hot_standby = on
hot_standby_feedback = on
wal_receiver_status_interval = 1s
wal_retrieve_retry_interval = 200ms
`;
}

const HBA = `# flagship test harness: trust, on loopback and the private socket dir only
local all all trust
local replication all trust
host all all 127.0.0.1/32 trust
host replication all 127.0.0.1/32 trust
`;

/** `count` distinct free ports on loopback, from the kernel. */
export async function freePorts(count: number): Promise<number[]> {
  // All held open at once, so the kernel hands out distinct ports.
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** A base dir the server user can traverse into; with TMPDIR under a private home the servers could not start. */
async function tempBase(runAs: RunAs | undefined): Promise<string> {
  const candidates = [...new Set([tmpdir(), '/tmp'])];
  if (!runAs) return candidates[0]!;
  for (const dir of candidates) if (await usableBy(dir, runAs, 1)) return dir;
  throw new Error(
    `PostgreSQL runs as ${runAs.user}, who cannot enter ${candidates.join(' or ')}; set TMPDIR to a directory every user can traverse (mode 755 or 1777 all the way up).`,
  );
}

function procStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function launchWatchdog(config: { tempDir: string; binDir: string; uid?: number | undefined; gid?: number | undefined }): ChildProcess {
  const script = fileURLToPath(new URL('./watchdog.mjs', import.meta.url));
  if (!existsSync(script)) throw new Error(`the harness watchdog ${script} is missing; it must sit next to cluster.ts`);
  const child = spawn(process.execPath, [script, JSON.stringify({ ...config, ownerPid: process.pid, ownerStart: procStartTime(process.pid) })], {
    detached: true,
    stdio: 'ignore',
    cwd: '/',
  });
  child.unref();
  return child;
}

async function stopWatchdog(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  // A referenced timer keeps the event loop alive while we wait on the unreferenced child.
  await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, 3000)))]);
  clearTimeout(timer);
}

export async function startCluster(options: ClusterOptions): Promise<StartedTopology> {
  const { runAs, replicas } = options;
  const tempDir = await mkdtemp(path.join(await tempBase(runAs), 'flagship-pg-'));
  const binDir = options.copyBinaries ? path.join(tempDir, 'pg', 'bin') : options.binaries.binDir;
  const ids = { uid: runAs?.uid, gid: runAs?.gid };
  // Started before anything else, so a crash anywhere from here on is cleaned up too.
  const watchdog = launchWatchdog({ tempDir, binDir, ...ids });

  const names = ['primary', ...Array.from({ length: replicas }, (_, i) => `replica${i + 1}`)];
  const ports = await freePorts(names.length);
  const nodes: Node[] = names.map((name, i) => {
    const dataDir = path.join(tempDir, name);
    const port = ports[i]!;
    return {
      info: { name, role: i === 0 ? 'primary' : 'replica', url: nodeUrl(port, TEST_DATABASE), port, dataDir },
      target: { name, binDir, dataDir, logFile: logFileFor(tempDir, name), home: tempDir, ...ids },
    };
  });
  const primary = nodes[0]!;
  const replicaNodes = nodes.slice(1);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await Promise.all(
        nodes.map((n) =>
          existsSync(path.join(n.info.dataDir, 'postmaster.pid')) ? pgCtlStop(n.target, 'immediate', 30).catch(() => undefined) : Promise.resolve(),
        ),
      );
      // pg_ctl cannot stop a server whose data dir is gone or whose binaries vanished; find those by command line.
      await killAndWait(processesMentioning(`${tempDir}/`, watchdog.pid === undefined ? [] : [watchdog.pid]));
      await rm(tempDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
      await stopWatchdog(watchdog);
    })());

  const owned = async (file: string): Promise<void> => {
    if (runAs) await lchown(file, runAs.uid, runAs.gid);
  };
  const writeOwned = async (file: string, text: string): Promise<void> => {
    await writeFile(file, text);
    await owned(file);
  };

  try {
    const socketDir = path.join(tempDir, 'sock');
    await mkdir(path.join(tempDir, 'logs'));
    await mkdir(socketDir);
    if (options.copyBinaries) await copyInstallation(options.binaries.binDir, path.join(tempDir, 'pg'));
    if (runAs) await chownTree(tempDir, runAs.uid, runAs.gid);
    const asServer = { uid: runAs?.uid, gid: runAs?.gid, home: tempDir };

    await run(path.join(binDir, 'initdb'), ['-D', primary.info.dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'], {
      ...asServer,
      timeoutMs: 120_000,
    });
    // Socket paths longer than ~107 bytes cannot be bound; then the servers are reachable over TCP only.
    const socketsFit = path.join(socketDir, '.s.PGSQL.65535.lock').length < 100;
    await appendFile(path.join(primary.info.dataDir, 'postgresql.conf'), serverSettings(socketsFit ? socketDir : ''));
    await writeOwned(path.join(primary.info.dataDir, 'pg_hba.conf'), HBA);

    if (options.coldCopy) {
      // initdb leaves a cleanly shut down cluster: copying it now gives replicas that need nothing from a backup.
      await Promise.all(replicaNodes.map((replica) => copyDataDir(primary.info.dataDir, replica.info.dataDir, asServer)));
      await startFresh(primary, writeOwned);
      await createTestDatabase(primary);
    } else {
      await startFresh(primary, writeOwned);
      await createTestDatabase(primary);
      await Promise.all(
        replicaNodes.map((replica) =>
          run(
            path.join(binDir, 'pg_basebackup'),
            ['-D', replica.info.dataDir, '-h', '127.0.0.1', '-p', String(primary.info.port), '-U', 'postgres', '-X', 'stream', '-c', 'fast', '--no-sync'],
            { ...asServer, timeoutMs: 120_000 },
          ),
        ),
      );
    }

    await Promise.all(
      replicaNodes.map(async (replica) => {
        await writeOwned(path.join(replica.info.dataDir, 'standby.signal'), '');
        await startFresh(replica, writeOwned, primary);
      }),
    );
    await Promise.all(nodes.map((n) => waitForConnect(n.info.url, { what: `PostgreSQL node ${n.info.name}`, logFile: n.target.logFile })));
    await waitForStreaming(primary.info.url, replicaNodes.length, 30_000, async () =>
      (await Promise.all(replicaNodes.map((r) => logTail(r.target.logFile, 15)))).join(''),
    );

    const info: PgTopologyInfo = {
      source: options.binaries.kind,
      primary: { ...primary.info },
      replicas: replicaNodes.map((r) => ({ ...r.info })),
      controllable: true,
      binDir,
      ...(runAs ? { runAsUid: runAs.uid, runAsGid: runAs.gid } : {}),
      tempDir,
    };
    // The test database must exist on every replica before anyone is handed a replica URL for it.
    await waitForReplay(info);
    return { info, close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

/** cp -a as the server user keeps modes and ownership and is far faster than fs.cp's file-by-file copy. */
async function copyDataDir(from: string, to: string, asServer: { uid?: number | undefined; gid?: number | undefined; home: string }): Promise<void> {
  try {
    await run('cp', ['-a', from, to], { ...asServer, timeoutMs: 120_000 });
  } catch {
    await rm(to, { recursive: true, force: true });
    await cp(from, to, { recursive: true, verbatimSymlinks: true });
    if (asServer.uid !== undefined && asServer.gid !== undefined) await chownTree(to, asServer.uid, asServer.gid);
  }
  await chmod(to, 0o700);
}

function nodeUrl(port: number, database: string): string {
  return `postgres://postgres@127.0.0.1:${port}/${database}`;
}

function nodeSettings(node: Node, primary?: Node): string {
  let text = `# flagship test harness: per-node settings\nport = ${node.info.port}\n`;
  if (primary) {
    text += `primary_conninfo = 'host=127.0.0.1 port=${primary.info.port} user=postgres application_name=${node.info.name}'\n`;
  }
  return text;
}

/**
 * Starts a node for the first time. A port found free a moment ago can be taken before the server binds it (the
 * ephemeral range is shared with every outgoing connection), so a bind failure picks another port and retries.
 */
async function startFresh(node: Node, writeOwned: (file: string, text: string) => Promise<void>, primary?: Node): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await writeOwned(path.join(node.info.dataDir, 'postgresql.auto.conf'), nodeSettings(node, primary));
    const logStart = await stat(node.target.logFile).then(
      (s) => s.size,
      () => 0,
    );
    try {
      await pgCtlStart(node.target);
      return;
    } catch (error) {
      const log = (await readFile(node.target.logFile).catch(() => Buffer.alloc(0))).subarray(logStart).toString('utf8');
      if (attempt >= 3 || !/could not bind|address already in use/i.test(log)) throw error;
      const [port] = await freePorts(1);
      node.info.port = port!;
      node.info.url = nodeUrl(port!, TEST_DATABASE);
    }
  }
}

async function createTestDatabase(primary: Node): Promise<void> {
  const url = nodeUrl(primary.info.port, 'postgres');
  await waitForConnect(url, { what: 'the new primary', logFile: primary.target.logFile });
  await withClient(url, (c) => c.query(`create database ${TEST_DATABASE}`));
}
