import { readFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LeakError, buildVariant, findLeaks, loadVariant } from '../../build.mjs';
import { carried } from '../support/carried.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('what each bundle carries', () => {
  it('dev holds no byte of scaling, enterprise or the Postgres adapter, and imports no pg', async () => {
    const { files, imports } = await carried('dev');
    expect(files.filter((f) => /src\/(scaling|enterprise|db\/postgres)\//.test(f))).toEqual([]);
    expect(files.filter((f) => /node_modules\/(pg|pg-pool|pg-protocol)\//.test(f))).toEqual([]);
    expect(imports.filter((i) => /^pg($|-)/.test(i))).toEqual([]);
    // ...while it does carry what it switches on, better-sqlite3's JavaScript included (its addon lies beside it).
    expect(files.some((f) => f.startsWith('src/db/sqlite/'))).toBe(true);
    expect(files.some((f) => f.startsWith('src/testing/'))).toBe(true);
    expect(files.some((f) => f.startsWith('node_modules/better-sqlite3/'))).toBe(true);
    expect(imports).not.toContain('better-sqlite3');
  });

  it('prod holds no byte of the SQLite adapter and imports no better-sqlite3, but carries everything else', async () => {
    const { files, imports } = await carried('prod');
    expect(files.filter((f) => f.startsWith('src/db/sqlite/') || f.startsWith('node_modules/better-sqlite3/'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('src/testing/'))).toEqual([]);
    expect(imports).not.toContain('better-sqlite3');
    for (const folder of ['src/scaling/', 'src/enterprise/', 'src/db/postgres/', 'node_modules/pg/']) {
      expect(
        files.some((f) => f.startsWith(folder)),
        folder,
      ).toBe(true);
    }
  });

  it('writes a build report with bytes per group', async () => {
    const report = JSON.parse(await readFile(path.join(ROOT, 'dist', 'prod', 'build-report.json'), 'utf8'));
    expect(report.variant).toBe('prod');
    expect(report.groups.core).toBeGreaterThan(0);
    expect(report.groups['dialect:postgres']).toBeGreaterThan(0);
    expect(report.groups['dependency:fastify']).toBeGreaterThan(0);
    expect(report.groups['dialect:sqlite']).toBeUndefined();
    expect(report.excluded.externals).toContain('better-sqlite3');
  });
});

describe('the exclusion proof', () => {
  it('fails the build when a guarded module is imported statically, printing the chain', async () => {
    const dev = await loadVariant(path.join(ROOT, 'flags'), 'dev');
    const outDir = await mkdtemp(path.join(tmpdir(), 'flagship-leak-'));
    const build = buildVariant(dev, { outDir, entry: path.join(ROOT, 'test/fixtures/leaky-entry.ts'), logLevel: 'silent' });
    await expect(build).rejects.toThrow(LeakError);
    await expect(build).rejects.toThrow(/carries \d+ bytes of src\/scaling\/index\.ts[\s\S]*chain: test\/fixtures\/leaky-entry\.ts -> src\/scaling\/index\.ts/);
  });

  it('fails the build when a switched-off driver is imported', async () => {
    const dev = await loadVariant(path.join(ROOT, 'flags'), 'dev');
    const outDir = await mkdtemp(path.join(tmpdir(), 'flagship-leak-'));
    await expect(buildVariant(dev, { outDir, entry: path.join(ROOT, 'test/fixtures/leaky-driver-entry.ts'), logLevel: 'silent' })).rejects.toThrow(
      /imports "pg" \(switched off in this variant\)\n\s+chain: test\/fixtures\/leaky-driver-entry\.ts -> pg/,
    );
  });

  it('fails the build when the testing module reaches a variant that switches it off', async () => {
    const prod = await loadVariant(path.join(ROOT, 'flags'), 'prod');
    const outDir = await mkdtemp(path.join(tmpdir(), 'flagship-leak-'));
    await expect(buildVariant(prod, { outDir, entry: path.join(ROOT, 'test/fixtures/leaky-testing-entry.ts'), logLevel: 'silent' })).rejects.toThrow(
      /carries \d+ bytes of src\/testing\/index\.ts \(from src\/testing\/, switched off\)[\s\S]*chain: test\/fixtures\/leaky-testing-entry\.ts -> src\/testing\/index\.ts/,
    );
  });

  it('passes a clean metafile', () => {
    const meta = { inputs: {}, outputs: { 'dist/x/server.mjs': { inputs: { 'src/main.ts': { bytesInOutput: 10 } }, imports: [] } } };
    expect(findLeaks(meta, { dialects: ['sqlite'], scaling: false, enterprise: false })).toEqual([]);
  });
});
