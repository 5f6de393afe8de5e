// The reference production topology of deploy/, started for real: three etcd members and three Patroni members
// managing PostgreSQL, rendered from deploy/etcd/etcd.yml and deploy/patroni/patroni.yml with ports from the kernel
// and data in one temp dir. As root the programs run as the harness's unprivileged user (Patroni and PostgreSQL
// refuse root). The harness watchdog removes everything if the test process dies without close() (Ctrl-C, SIGKILL).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, openSync, closeSync } from 'node:fs';
import { chmod, lchown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findBinaries, installationUsableBy } from './postgres/find-binaries.js';
import { freePorts, launchWatchdog } from './postgres/cluster.js';
import { killAndWait, processesMentioning } from './postgres/procs.js';
import { resolveRunAs, type RunAs } from './postgres/run-as.js';
import { logTail, queryOne } from './postgres/sql.js';
import { waitFor } from './wait.js';

const DEPLOY = path.resolve(import.meta.dirname, '../../deploy');
const TOOLS = ['patroni', 'patronictl', 'etcd'] as const;

function onPath(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin'];
  for (const dir of dirs) if (dir && existsSync(path.join(dir, name))) return path.join(dir, name);
  return undefined;
}

/** HAProxy, for the checks of deploy/haproxy/haproxy.cfg; the rest of the suite runs without it. */
export function haproxyBinary(): string | undefined {
  return onPath('haproxy');
}

export const HAPROXY_MISSING = 'haproxy is not installed (apt-get install haproxy)';

/** The PostgreSQL programs Patroni runs itself, besides the server: it clones, rewinds and inspects data dirs. */
const PATRONI_PG_PROGRAMS = ['initdb', 'pg_ctl', 'postgres', 'pg_basebackup', 'pg_rewind', 'pg_controldata'];

/** Why the Patroni suite cannot run here, or undefined when patroni, patronictl, etcd and PostgreSQL's programs are there. */
export async function patroniMissing(): Promise<string | undefined> {
  const missing = TOOLS.filter((name) => !onPath(name));
  if (missing.length > 0) return `${missing.join(', ')} not installed (apt-get install patroni etcd-server etcd-client)`;
  const binaries = await findBinaries('system').catch(() => undefined);
  if (!binaries) return 'no system PostgreSQL installation for Patroni to run (apt-get install postgresql)';
  const absent = PATRONI_PG_PROGRAMS.filter((name) => !existsSync(path.join(binaries.binDir, name)));
  if (absent.length > 0) return `${binaries.binDir} lacks ${absent.join(', ')}, which Patroni runs (install the full PostgreSQL server package)`;
  return undefined;
}

/** The timings written into etcd at bootstrap; deploy/ carries production values, the tests shorter ones. */
export interface PatroniTiming {
  ttl: number;
  loopWait: number;
  retryTimeout: number;
}

export interface PatroniMember {
  readonly name: string;
  readonly pgPort: number;
  readonly restPort: number;
  readonly config: string;
  readonly log: string;
}

export interface ClusterMemberState {
  name: string;
  role: string;
  state: string;
  port: number;
  timeline?: number;
  lag?: number | string;
}

/** Replaces every ${NAME}; a placeholder left without a value is a mismatch between deploy/ and this harness. */
export function render(template: string, values: Record<string, string | number>, what: string): string {
  const text = template.replace(/\$\{([A-Z][A-Z0-9_]*)\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${what}: no value for ${whole}; give the harness one in test/support/patroni.ts`);
    return String(value);
  });
  return text;
}

/** Sets `key: value` at the one place deploy/patroni/patroni.yml has it, and fails loudly when the file changed. */
function setOnce(text: string, key: string, value: number): string {
  const re = new RegExp(`^(\\s+${key}:) \\d+$`, 'gm');
  const hits = text.match(re)?.length ?? 0;
  if (hits !== 1) throw new Error(`deploy/patroni/patroni.yml: expected exactly one "${key}: <number>" line, found ${hits}`);
  return text.replace(re, `$1 ${value}`);
}

async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

export interface PatroniCluster {
  readonly members: readonly PatroniMember[];
  readonly superuserPassword: string;
  readonly tempDir: string;
  /** HAProxy from deploy/haproxy/haproxy.cfg in front of the members, where haproxy is installed. */
  readonly haproxy: { primaryPort: number; replicaPort: number } | undefined;
  member(name: string): PatroniMember;
  /** postgres://postgres:...@127.0.0.1:<port>/<database> for one member. */
  superuserUrl(name: string, database?: string): string;
  /** GET /cluster from the first member whose REST API answers. */
  state(): Promise<ClusterMemberState[]>;
  /** The member whose REST API answers 200 on /primary, if exactly one does. */
  leader(): Promise<string | undefined>;
  /** kill -9 of the member's Patroni and every PostgreSQL process it started: what a host crash looks like. */
  crash(name: string): Promise<void>;
  /** Starts the member's Patroni again (after crash()). */
  start(name: string): Promise<void>;
  /** `patronictl switchover --leader <from> --candidate <to> --force`. */
  switchover(from: string, to: string): Promise<string>;
  /** Waits until all three members run, one leads, one is the synchronous standby and no replica lags. */
  healthy(timeoutMs: number): Promise<ClusterMemberState[]>;
  logs(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function startPatroniCluster(timing: PatroniTiming): Promise<PatroniCluster> {
  const missing = await patroniMissing();
  if (missing) throw new Error(missing);
  const runAs: RunAs | undefined = await resolveRunAs();
  const binaries = await findBinaries('system');
  if (runAs && !(await installationUsableBy(binaries, runAs)))
    throw new Error(
      `${runAs.user} cannot run the PostgreSQL programs in ${binaries.binDir}; make them readable (mode 755) or run the tests as an ordinary user`,
    );

  const tempDir = await mkdtemp(path.join(tmpdir(), 'flagship-ha-'));
  const ids = runAs ? { uid: runAs.uid, gid: runAs.gid } : {};
  const owned = async (target: string) => {
    if (runAs) await lchown(target, runAs.uid, runAs.gid);
  };
  await chmod(tempDir, 0o755);
  await owned(tempDir);
  // Started before anything else, so a crash anywhere from here on is cleaned up too.
  const watchdog = launchWatchdog({ tempDir, binDir: binaries.binDir, ...ids });

  const names = ['member1', 'member2', 'member3'];
  const ports = await freePorts(names.length * 4 + 2);
  const haproxyPorts = { primaryPort: ports[names.length * 4]!, replicaPort: ports[names.length * 4 + 1]! };
  const at = (i: number, k: number) => ports[i * 4 + k]!;
  // Every member shares them: a replica authenticates to whichever member leads with the same credentials.
  const superuserPassword = `su-${randomUUID()}`;
  const replicationPassword = `repl-${randomUUID()}`;
  const scope = 'flagship-ha';
  const etcdHosts = names.map((_, i) => `127.0.0.1:${at(i, 2)}`).join(',');
  const initialCluster = names.map((n, i) => `etcd-${n}=http://127.0.0.1:${at(i, 3)}`).join(',');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tempDir, LC_ALL: 'C', LANG: 'C' };

  const etcdTemplate = await readFile(path.join(DEPLOY, 'etcd/etcd.yml'), 'utf8');
  let patroniTemplate = await readFile(path.join(DEPLOY, 'patroni/patroni.yml'), 'utf8');
  patroniTemplate = setOnce(patroniTemplate, 'ttl', timing.ttl);
  patroniTemplate = setOnce(patroniTemplate, 'loop_wait', timing.loopWait);
  patroniTemplate = setOnce(patroniTemplate, 'retry_timeout', timing.retryTimeout);

  const members: PatroniMember[] = [];
  const etcdConfigs: string[] = [];
  for (const [i, name] of names.entries()) {
    const dir = path.join(tempDir, name);
    const etcdDir = path.join(tempDir, `etcd-${name}`);
    for (const d of [dir, etcdDir, path.join(dir, 'socket')]) {
      await mkdir(d, { mode: 0o700 });
      await owned(d);
    }
    const etcdConfig = path.join(etcdDir, 'etcd.yml');
    await writeFile(
      etcdConfig,
      render(
        etcdTemplate,
        {
          ETCD_NAME: `etcd-${name}`,
          ETCD_DATA_DIR: path.join(etcdDir, 'data'),
          MEMBER_HOST: '127.0.0.1',
          ETCD_CLIENT_PORT: at(i, 2),
          ETCD_PEER_PORT: at(i, 3),
          ETCD_INITIAL_CLUSTER: initialCluster,
          PATRONI_SCOPE: scope,
        },
        'deploy/etcd/etcd.yml',
      ),
    );
    const config = path.join(dir, 'patroni.yml');
    await writeFile(
      config,
      render(
        patroniTemplate,
        {
          PATRONI_SCOPE: scope,
          MEMBER_NAME: name,
          MEMBER_HOST: '127.0.0.1',
          REST_PORT: at(i, 1),
          PG_PORT: at(i, 0),
          ETCD_HOSTS: etcdHosts,
          DATA_DIR: path.join(dir, 'data'),
          PG_BIN_DIR: binaries.binDir,
          PGPASS_FILE: path.join(dir, 'pgpass'),
          SUPERUSER_PASSWORD: superuserPassword,
          REPLICATION_PASSWORD: replicationPassword,
          SOCKET_DIR: path.join(dir, 'socket'),
          CLIENT_CIDR: '127.0.0.1/32',
        },
        'deploy/patroni/patroni.yml',
      ),
      { mode: 0o600 },
    );
    for (const f of [etcdConfig, config]) await owned(f);
    etcdConfigs.push(etcdConfig);
    members.push({ name, pgPort: at(i, 0), restPort: at(i, 1), config, log: path.join(dir, 'patroni.log') });
  }

  const haproxyBin = haproxyBinary();
  const haproxyConfig = path.join(tempDir, 'haproxy.cfg');
  if (haproxyBin) {
    const values: Record<string, string | number> = {
      HAPROXY_HOST: '127.0.0.1',
      HAPROXY_PRIMARY_PORT: haproxyPorts.primaryPort,
      HAPROXY_REPLICA_PORT: haproxyPorts.replicaPort,
    };
    for (const [i, m] of members.entries())
      Object.assign(values, { [`MEMBER${i + 1}_HOST`]: '127.0.0.1', [`MEMBER${i + 1}_PG_PORT`]: m.pgPort, [`MEMBER${i + 1}_REST_PORT`]: m.restPort });
    await writeFile(haproxyConfig, render(await readFile(path.join(DEPLOY, 'haproxy/haproxy.cfg'), 'utf8'), values, 'deploy/haproxy/haproxy.cfg'));
    await owned(haproxyConfig);
  }

  const procs = new Map<string, ChildProcess>();
  const launch = (key: string, file: string, args: string[], log: string): void => {
    const fd = openSync(log, 'a');
    const child = spawn(file, args, { ...ids, cwd: tempDir, env, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    child.on('error', () => undefined);
    procs.set(key, child);
  };

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      // Throwaway data: everything is killed at once, then the dir goes.
      await killAndWait(processesMentioning(`${tempDir}/`, watchdog.pid === undefined ? [] : [watchdog.pid]));
      await rm(tempDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
      if (watchdog.exitCode === null && watchdog.signalCode === null) watchdog.kill('SIGTERM');
    })());

  const viaHaproxy = (port: number) => `postgres://postgres:${encodeURIComponent(superuserPassword)}@127.0.0.1:${port}/postgres`;
  const member = (name: string): PatroniMember => {
    const m = members.find((x) => x.name === name);
    if (!m) throw new Error(`no member ${name}; members are ${names.join(', ')}`);
    return m;
  };
  const startMember = async (name: string) => launch(name, onPath('patroni')!, [member(name).config], member(name).log);

  const state = async (): Promise<ClusterMemberState[]> => {
    for (const m of members) {
      const r = await getJson(`http://127.0.0.1:${m.restPort}/cluster`).catch(() => undefined);
      if (r?.status === 200 && Array.isArray(r.body?.members)) return r.body.members as ClusterMemberState[];
    }
    throw new Error('no Patroni REST API answers /cluster');
  };
  const leader = async (): Promise<string | undefined> => {
    const answers = await Promise.all(
      members.map((m) =>
        fetch(`http://127.0.0.1:${m.restPort}/primary`, { signal: AbortSignal.timeout(3000) })
          .then((r) => (r.status === 200 ? m.name : undefined))
          .catch(() => undefined),
      ),
    );
    const leaders = answers.filter((a) => a !== undefined);
    return leaders.length === 1 ? leaders[0] : undefined;
  };
  const healthy = (timeoutMs: number) =>
    waitFor(
      'Patroni cluster with a leader, a synchronous standby and three running members without lag',
      async () => {
        const s = await state();
        const running = s.filter((m) => m.state === 'running');
        const ok =
          s.length === 3 &&
          running.length === 3 &&
          s.filter((m) => m.role === 'leader').length === 1 &&
          s.some((m) => m.role === 'sync_standby') &&
          s.every((m) => m.role === 'leader' || m.lag === 0);
        if (!ok) throw new Error(JSON.stringify(s));
        return s;
      },
      timeoutMs,
      250,
    );

  try {
    for (const [i, name] of names.entries())
      launch(`etcd-${name}`, onPath('etcd')!, ['--config-file', etcdConfigs[i]!], path.join(tempDir, `etcd-${name}`, 'etcd.log'));
    await waitFor(
      'etcd cluster healthy',
      async () => {
        const all = await Promise.all(members.map((_, i) => getJson(`http://127.0.0.1:${at(i, 2)}/health`)));
        return all.every((r) => r.body?.health === 'true') ? true : undefined;
      },
      60_000,
      200,
    );
    // The first member initialises the cluster; the others clone it, so who leads at first is known.
    await startMember('member1');
    await waitFor('member1 leading', async () => ((await leader()) === 'member1' ? true : undefined), 90_000, 200);
    await startMember('member2');
    await startMember('member3');
    await healthy(120_000);
    if (haproxyBin) {
      launch('haproxy', haproxyBin, ['-db', '-f', haproxyConfig], path.join(tempDir, 'haproxy.log'));
      const leaderPort = member('member1').pgPort;
      await waitFor(
        "HAProxy's primary port reaching the leader",
        async () =>
          (await queryOne<{ port: number }>(viaHaproxy(haproxyPorts.primaryPort), 'select inet_server_port() as port')).port === leaderPort ? true : undefined,
        30_000,
        200,
      );
    }
  } catch (error) {
    const tails = await Promise.all(members.map(async (m) => `--- ${m.name}\n${await logTail(m.log, 20)}`));
    await close();
    throw new Error(`${(error as Error).message}\n${tails.join('\n')}`, { cause: error });
  }

  return {
    members,
    superuserPassword,
    tempDir,
    haproxy: haproxyBin ? haproxyPorts : undefined,
    member,
    superuserUrl: (name, database = 'postgres') => `postgres://postgres:${encodeURIComponent(superuserPassword)}@127.0.0.1:${member(name).pgPort}/${database}`,
    state,
    leader,
    async crash(name) {
      const left = await killAndWait(processesMentioning(`${tempDir}/${name}/`, watchdog.pid === undefined ? [] : [watchdog.pid]));
      if (left.length > 0) throw new Error(`${name}: processes ${left.join(', ')} survived SIGKILL`);
      procs.delete(name);
    },
    start: startMember,
    switchover(from, to) {
      return new Promise((resolve, reject) => {
        execFile(
          onPath('patronictl')!,
          ['-c', member(from).config, 'switchover', '--leader', from, '--candidate', to, '--force'],
          { ...ids, cwd: tempDir, env, timeout: 60_000 },
          (error, stdout, stderr) => (error ? reject(new Error(`patronictl switchover failed: ${error.message}\n${stdout}${stderr}`)) : resolve(stdout)),
        );
      });
    },
    healthy,
    logs: (name) => logTail(member(name).log, 40),
    close,
  };
}
