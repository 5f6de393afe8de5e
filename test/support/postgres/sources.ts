// Where the test PostgreSQL comes from. The first that works wins, and the choice is logged on one stderr line:
//   1. TEST_DATABASE_URL (+ TEST_DATABASE_REPLICA_URLS): servers someone else runs; no start/stop control.
//   2. testcontainers, when the package is installed and a Docker engine answers: a primary only.
//   3. throwaway clusters from PostgreSQL binaries (system installation, else the embedded npm package).
// PG_HARNESS_BIN_SOURCE=system|embedded skips 1 and 2 and pins 3 to one kind of binaries;
// PG_HARNESS_FORCE_COLD_COPY=1 makes replicas by copying the data dir even where pg_basebackup exists.
import { existsSync } from 'node:fs';
import http from 'node:http';
import { startCluster, TEST_DATABASE } from './cluster.js';
import { findBinaries, installationUsableBy, type BinaryKind } from './find-binaries.js';
import { resolveRunAs } from './run-as.js';
import { waitForConnect } from './sql.js';
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

function binSourceOverride(): BinaryKind | undefined {
  const value = process.env.PG_HARNESS_BIN_SOURCE;
  if (!value) return undefined;
  if (value === 'system' || value === 'embedded') return value;
  throw new Error(`PG_HARNESS_BIN_SOURCE=${value} is not understood; use "system" or "embedded", or unset it.`);
}

function fromEnvironment(): StartedTopology | undefined {
  const primaryUrl = process.env.TEST_DATABASE_URL;
  if (!primaryUrl) return undefined;
  const replicaUrls = (process.env.TEST_DATABASE_REPLICA_URLS ?? '').split(',').map((u) => u.trim()).filter(Boolean);
  const replicas: PgNodeInfo[] = replicaUrls.map((url, i) => ({ name: `replica${i + 1}`, role: 'replica', url, port: portOf(url) }));
  announce(
    `using TEST_DATABASE_URL ${redact(primaryUrl)} (primary + ${replicas.length} replicas from TEST_DATABASE_REPLICA_URLS; ` +
      'servers not started by the harness, so no start/stop control)',
  );
  return {
    info: { source: 'TEST_DATABASE_URL', primary: { name: 'primary', role: 'primary', url: primaryUrl, port: portOf(primaryUrl) }, replicas, controllable: false },
    close: async () => undefined,
  };
}

/** GET /_ping on the Docker engine, bounded to about a second: a configured but dead engine must not stall the tests. */
function dockerAnswers(): Promise<boolean> {
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

// Only the slice of testcontainers used here; the package is optional and not a dependency of this repo.
interface StartedContainer {
  getHost(): string;
  getMappedPort(port: number): number;
  stop(): Promise<unknown>;
}
interface ContainerBuilder {
  withEnvironment(env: Record<string, string>): ContainerBuilder;
  withCommand(command: string[]): ContainerBuilder;
  withExposedPorts(...ports: number[]): ContainerBuilder;
  withWaitStrategy(strategy: unknown): ContainerBuilder;
  start(): Promise<StartedContainer>;
}
interface TestcontainersModule {
  GenericContainer: new (image: string) => ContainerBuilder;
  Wait: { forLogMessage(message: RegExp, times?: number): unknown };
}

async function fromTestcontainers(): Promise<StartedTopology | undefined> {
  if (!(await dockerAnswers())) return undefined;
  let tc: TestcontainersModule;
  try {
    const specifier = 'testcontainers'; // a variable, so neither tsc nor vite insists the optional package exists
    tc = (await import(/* @vite-ignore */ specifier)) as TestcontainersModule;
  } catch {
    announce('a Docker engine answers, but the testcontainers package is not installed; trying PostgreSQL binaries instead');
    return undefined;
  }
  const image = process.env.PG_HARNESS_IMAGE ?? 'postgres:17-alpine';
  try {
    const container = await new tc.GenericContainer(image)
      .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: TEST_DATABASE })
      .withCommand(['postgres', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'])
      .withExposedPorts(5432)
      // The image's entrypoint starts the server twice (initialisation, then for real).
      .withWaitStrategy(tc.Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start();
    const port = container.getMappedPort(5432);
    const url = `postgres://postgres@${container.getHost()}:${port}/${TEST_DATABASE}`;
    await waitForConnect(url, { what: `the ${image} container` });
    announce(`using testcontainers ${image} at ${url} (primary only: no replicas on this path, no start/stop control)`);
    return {
      info: { source: 'testcontainers', primary: { name: 'primary', role: 'primary', url, port }, replicas: [], controllable: false },
      close: async () => {
        await container.stop();
      },
    };
  } catch (error) {
    announce(`testcontainers could not start ${image} (${(error as Error).message.split('\n')[0]}); trying PostgreSQL binaries instead`);
    return undefined;
  }
}

async function fromBinaries(replicas: number, only: BinaryKind | undefined): Promise<StartedTopology> {
  const binaries = await findBinaries(only);
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
  const only = binSourceOverride();
  if (!only) {
    const external = fromEnvironment();
    if (external) return external;
    const container = await fromTestcontainers();
    if (container) return container;
  }
  return fromBinaries(replicas, only);
}
