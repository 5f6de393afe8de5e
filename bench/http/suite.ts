// The HTTP benchmark of one bundle against the baseline: both servers up on the same database (flagship migrates
// and seeds it, the baseline serves the same rows), then for each case a warm-up of each and A/B/A/B measured runs.
import { mkdtempSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HTTP_CASES } from './cases.js';
import { compare, type Comparison } from './compare.js';
import { seed, type Fixture } from './fixture.js';
import { load, type LoadResult } from './load.js';
import { launch, type BenchServer } from './process.js';

export interface HttpSettings {
  readonly connections: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** Measured runs of each side per case (A/B/A/B is 2). */
  readonly rounds: number;
  readonly seedTasks: number;
}

export interface HttpCaseResult extends Comparison {
  readonly dialect: 'sqlite' | 'postgres';
  readonly bundle: string;
  readonly case: string;
  readonly title: string;
}

export interface Target {
  readonly dialect: 'sqlite' | 'postgres';
  /** dist/<variant>/server.mjs */
  readonly bundle: string;
  /** Where both servers find the database: sqlite:FILE or a postgres:// URL. */
  readonly databaseUrl: string;
}

const ROOT = path.resolve(import.meta.dirname, '../..');

/** A fresh SQLite file for the dev bundle. */
export function sqliteTarget(): Target {
  const dir = mkdtempSync(path.join(tmpdir(), 'flagship-bench-'));
  return { dialect: 'sqlite', bundle: 'dist/dev/server.mjs', databaseUrl: `sqlite:${path.join(dir, 'bench.db')}` };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export async function runHttpSuite(target: Target, settings: HttpSettings, log: (line: string) => void): Promise<HttpCaseResult[]> {
  const servers: BenchServer[] = [];
  try {
    const flagship = await launch({
      name: `flagship ${target.bundle}`,
      args: [path.join(ROOT, target.bundle)],
      // The bundle as it runs in production: default log level, metrics, everything on.
      env: { DATABASE_URL: target.databaseUrl },
      cwd: ROOT,
      readyPath: '/readyz',
    });
    servers.push(flagship);
    const fixture = await seed(flagship.url, settings.seedTasks);
    const baseline = await launch({
      name: 'baseline',
      args: ['--import', 'tsx', path.join(ROOT, 'bench/baseline/server.ts')],
      env: { DATABASE_URL: target.databaseUrl },
      cwd: ROOT,
      readyPath: '/healthz',
    });
    servers.push(baseline);

    const results: HttpCaseResult[] = [];
    const options = { connections: settings.connections, seconds: settings.seconds };
    for (const c of HTTP_CASES) {
      const request = c.request(fixture);
      if (settings.warmupSeconds > 0) {
        await load(flagship, fixture.token, request, { ...options, seconds: settings.warmupSeconds });
        await load(baseline, fixture.token, request, { ...options, seconds: settings.warmupSeconds });
      }
      const a: LoadResult[] = [];
      const b: LoadResult[] = [];
      for (let round = 0; round < settings.rounds; round++) {
        a.push(await load(flagship, fixture.token, request, options));
        b.push(await load(baseline, fixture.token, request, options));
      }
      const result: HttpCaseResult = { dialect: target.dialect, bundle: target.bundle, case: c.id, title: c.title, ...compare(a, b) };
      results.push(result);
      const side = (s: HttpCaseResult['flagship']) => `${fmt(s.perSecond)} req/s (non-2xx ${s.non2xx}, ${s.cpuUsPerRequest?.toFixed(0) ?? '?'} µs CPU/req)`;
      log(
        `  ${target.dialect.padEnd(8)} ${c.title.padEnd(52)} flagship ${side(result.flagship)}  baseline ${side(result.baseline)}  ` +
          (result.ratio === null ? `VOID: ${result.voided}` : `ratio ${result.ratio.toFixed(2)}x, by CPU ${result.cpuRatio?.toFixed(2) ?? '?'}x`),
      );
    }
    return results;
  } finally {
    for (const s of servers.reverse()) await s.stop();
  }
}

/**
 * Runs `caseIds` against flagship alone, started under `node --cpu-prof`, and returns the profile file written when
 * it stops. The load is the benchmark's (same connections, same requests), so the profile is of what the figures
 * measure.
 */
export async function profileFlagship(target: Target, settings: HttpSettings, caseIds: readonly string[], dir: string): Promise<string> {
  const before = new Set(await readdir(dir).catch(() => [] as string[]));
  // Seeded by a server of its own, so the profile holds the measured load and not the seeding's writes.
  const seeder = await launch({
    name: `flagship ${target.bundle} (seeding)`,
    args: [path.join(ROOT, target.bundle)],
    env: { DATABASE_URL: target.databaseUrl },
    cwd: ROOT,
    readyPath: '/readyz',
  });
  let fixture: Fixture;
  try {
    fixture = await seed(seeder.url, settings.seedTasks);
  } finally {
    await seeder.stop();
  }
  const flagship = await launch({
    name: `flagship ${target.bundle} (profiled)`,
    args: ['--cpu-prof', `--cpu-prof-dir=${dir}`, path.join(ROOT, target.bundle)],
    env: { DATABASE_URL: target.databaseUrl },
    cwd: ROOT,
    readyPath: '/readyz',
  });
  try {
    for (const c of HTTP_CASES.filter((x) => caseIds.includes(x.id))) {
      await load(flagship, fixture.token, c.request(fixture), { connections: settings.connections, seconds: settings.seconds * settings.rounds });
    }
  } finally {
    await flagship.stop();
  }
  const written = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile') && !before.has(f));
  if (written.length !== 1) throw new Error(`expected one new .cpuprofile in ${dir}, found ${written.length}`);
  return path.join(dir, written[0]!);
}
