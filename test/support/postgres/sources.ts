// Where the test PostgreSQL comes from (source-choice.ts decides; the choice is logged on one stderr line):
//   1. PG_HARNESS_SOURCE=system|embedded|containers pins one, which must then be there.
//   2. TEST_DATABASE_URL (+ TEST_DATABASE_REPLICA_URLS): servers someone else runs; no start/stop control.
//   3. throwaway clusters from PostgreSQL binaries (system installation, else the embedded npm package).
//   4. testcontainers, when no binaries are found and a container engine answers: a primary and streaming replicas.
// PG_HARNESS_FORCE_COLD_COPY=1 makes replicas by copying the data dir even where pg_basebackup exists.
import { existsSync } from 'node:fs';
import http from 'node:http';
import { startCluster } from './cluster.js';
import { DEFAULT_IMAGE, startContainers } from './containers.js';
import { findBinaries, installationUsableBy, type PgBinaries } from './find-binaries.js';
import { resolveRunAs } from './run-as.js';
import { chooseSource, pinnedSource, type SourceChoice } from './source-choice.js';
import type { PgNodeInfo, StartedTopology } from './types.js';

function announce(line: string): void {
  process.stderr.write(`[pg-harness] ${line}\n`);
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

function portOf(url: string): number {
  const parsed = new URL(url);
  return parsed.port ? Number(parsed.port) : 5432;
}

function fromEnvironment(): StartedTopology | undefined {
  const primaryUrl = process.env.TEST_DATABASE_URL;
  if (!primaryUrl) return undefined;
  const replicaUrls = (process.env.TEST_DATABASE_REPLICA_URLS ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  const replicas: PgNodeInfo[] = replicaUrls.map((url, i) => ({ name: `replica${i + 1}`, role: 'replica', url, port: portOf(url) }));
  announce(
    `using TEST_DATABASE_URL ${redact(primaryUrl)} (primary + ${replicas.length} replicas from TEST_DATABASE_REPLICA_URLS; ` +
      'servers not started by the harness, so no start/stop control)',
  );
  return {
    info: {
      source: 'TEST_DATABASE_URL',
      primary: { name: 'primary', role: 'primary', url: primaryUrl, port: portOf(primaryUrl) },
      replicas,
      controllable: false,
    },
    close: async () => undefined,
  };
}

/** GET /_ping on the container engine, bounded to about a second: a configured but dead engine must not stall the tests. */
function containerEngineAnswers(): Promise<boolean> {
  const host = process.env.DOCKER_HOST;
  let target: http.RequestOptions;
  if (host?.startsWith('unix://')) target = { socketPath: host.slice('unix://'.length) };
  else if (host && /^(tcp|http):\/\//.test(host)) {
    const url = new URL(host.replace(/^tcp:/, 'http:'));
    target = { host: url.hostname, port: Number(url.port || 2375) };
  } else if (host) return Promise.resolve(false);
  else if (existsSync('/var/run/docker.sock')) target = { socketPath: '/var/run/docker.sock' };
  else return Promise.resolve(false);
  return new Promise((resolve) => {
    const req = http.get({ ...target, path: '/_ping', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

async function fromContainers(replicas: number): Promise<StartedTopology> {
  const image = process.env.PG_HARNESS_IMAGE ?? DEFAULT_IMAGE;
  announce(
    `using testcontainers ${image}: primary + ${replicas} streaming replica${replicas === 1 ? '' : 's'} on one container network (no start/stop control)`,
  );
  const started = await startContainers(replicas, image);
  announce(`primary at ${redact(started.info.primary.url)}`);
  return started;
}

async function fromBinaries(replicas: number, binaries: PgBinaries): Promise<StartedTopology> {
  const runAs = await resolveRunAs();
  const copyBinaries = runAs !== undefined && !(await installationUsableBy(binaries, runAs));
  const coldCopy = replicas > 0 && (process.env.PG_HARNESS_FORCE_COLD_COPY === '1' || !binaries.hasBasebackup);
  const how = replicas === 0 ? '' : coldCopy ? ' by copying the data dir' : ' by pg_basebackup';
  const details = [
    `PostgreSQL ${binaries.version}, found via ${binaries.foundVia}`,
    `primary + ${replicas} replica${replicas === 1 ? '' : 's'}${how}`,
    ...(runAs ? [`servers run as ${runAs.user}`] : []),
    ...(copyBinaries ? [`binaries copied into the temp dir because ${runAs?.user} cannot read them in place`] : []),
  ];
  announce(`using ${binaries.kind} binaries ${binaries.binDir} (${details.join('; ')})`);
  return startCluster({ binaries, replicas, coldCopy, runAs, copyBinaries });
}

export async function openTopology(replicas: number): Promise<StartedTopology> {
  if (!Number.isInteger(replicas) || replicas < 0) throw new Error(`startPostgres: replicas must be a whole number >= 0, got ${replicas}`);
  const pinned = pinnedSource(process.env);
  let binaries: PgBinaries | undefined;
  let lookedAt = '';
  if (pinned !== 'containers') {
    try {
      binaries = await findBinaries(pinned);
    } catch (error) {
      // A PG_BIN that names no PostgreSQL is a mistake to fix, not a reason to look elsewhere.
      if (process.env.PG_BIN) throw error;
      lookedAt = (error as Error).message; // said again below if nothing else serves either
    }
  }
  let choice: SourceChoice;
  try {
    choice = chooseSource(process.env, { binaries: binaries?.kind, containerEngine: await containerEngineAnswers() });
  } catch (error) {
    throw new Error(lookedAt ? `${(error as Error).message}\n${lookedAt}` : (error as Error).message, { cause: error });
  }
  switch (choice.source) {
    case 'url':
      return fromEnvironment()!;
    case 'binaries':
      return fromBinaries(replicas, binaries!);
    case 'containers':
      return fromContainers(replicas);
  }
}
