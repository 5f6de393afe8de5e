// What the enterprise builds carry and say about themselves, and a database they served opened by a build without
// the module.
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { LeakError, buildVariant, loadVariant } from '../../build.mjs';
import { Client, newOrg } from '../support/api.js';
import { carried } from '../support/carried.js';
import { DIALECTS } from '../support/dialects.js';
import { runBundle, startServer } from '../support/server-process.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('what the enterprise builds carry', () => {
  it('dev-enterprise carries the module but none of its Postgres parts (triggers, LISTEN), nor pg', async () => {
    const { files, imports } = await carried('dev-enterprise');
    expect(files.some((f) => f.startsWith('src/enterprise/rbac/'))).toBe(true);
    expect(files.some((f) => f.startsWith('src/enterprise/sqlite/migrations/'))).toBe(true);
    expect(files.filter((f) => /^src\/(.+\/)?postgres\//.test(f) || f.startsWith('src/scaling/'))).toEqual([]);
    expect(imports.filter((i) => /^pg($|-)/.test(i))).toEqual([]);
  });

  it('prod carries the module with its Postgres parts and none of its SQLite parts', async () => {
    const { files } = await carried('prod');
    expect(files).toContain('src/enterprise/rbac/postgres/listen-freshness.ts');
    expect(files.some((f) => f.startsWith('src/enterprise/postgres/migrations/'))).toBe(true);
    expect(files.filter((f) => /^src\/(.+\/)?sqlite\//.test(f))).toEqual([]);
  });

  it('the exclusion proof fails a SQLite build that pulls in a module part for Postgres, printing the chain', async () => {
    const variant = await loadVariant(path.join(ROOT, 'flags'), 'dev-enterprise');
    const outDir = await mkdtemp(path.join(tmpdir(), 'flagship-leak-'));
    const build = buildVariant(variant, { outDir, entry: path.join(ROOT, 'test/fixtures/leaky-dialect-entry.ts'), logLevel: 'silent' });
    await expect(build).rejects.toThrow(LeakError);
    await expect(build).rejects.toThrow(
      /carries \d+ bytes of src\/enterprise\/rbac\/postgres\/listen-freshness\.ts \(from src\/\*\*\/postgres\/, switched off\)\n\s+chain: test\/fixtures\/leaky-dialect-entry\.ts -> src\/enterprise\/rbac\/postgres\/listen-freshness\.ts/,
    );
  });
});

describe('the audit command and --help', () => {
  const bundles = () => inject('bundles');

  it('an enterprise build names its commands and options in --help and --version', async () => {
    const help = await runBundle(bundles()['dev-enterprise']!, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/audit verify +recheck every audit hash chain/);
    expect(help.stdout).toMatch(/audit checkpoint +print a signed checkpoint/);
    expect(help.stdout).toContain('AUDIT_KEY_FILE');
    expect(help.stdout).toContain('AUDIT_CHECKPOINT_FILE');
    expect(help.stdout).toContain('AUDIT_CHECKPOINT_INTERVAL');
    const version = await runBundle(bundles().prod!, ['--version']);
    expect(version.stdout).toMatch(/enterprise: custom roles with inheritance and project grants; hash-chained, append-only audit trail/);
  });

  it('a build without the module says so and how to get one', async () => {
    const help = await runBundle(bundles().dev!, ['--help']);
    expect(help.stdout).not.toMatch(/audit (verify|checkpoint)|AUDIT_KEY_FILE/);
    const cwd = await mkdtemp(path.join(tmpdir(), 'flagship-noaudit-'));
    const { code, stderr } = await runBundle(bundles().dev!, ['audit', 'verify'], { cwd });
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /the "dev" build does not carry the enterprise module, which the `audit` command belongs to; build a variant that carries it: `node build\.mjs dev-enterprise`/,
    );
    const wrong = await runBundle(bundles()['dev-enterprise']!, ['audit', 'rewrite'], { cwd });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('`audit` takes one of: verify, checkpoint');
  });
});

describe('a database first served with the module opens with a build without it', () => {
  async function roundTrip(bundle: string, env: Record<string, string>): Promise<void> {
    const server = await startServer(bundle, { env });
    try {
      await server.ready();
      const api = new Client(server.url);
      const { owner } = await newOrg(api, 'plain');
      const p = (await owner.post('/v1/projects', { name: 'P', key: 'PPP' })).body.id;
      expect((await owner.post(`/v1/projects/${p}/tasks`, { title: 't' })).status).toBe(201);
      expect((await owner.delete(`/v1/projects/${p}`)).status).toBe(204);
      expect((await owner.get('/v1/roles')).status).toBe(404);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }
  async function serveWithModule(bundle: string, env: Record<string, string>): Promise<void> {
    const server = await startServer(bundle, { env });
    try {
      await server.ready();
      const { owner } = await newOrg(new Client(server.url), 'first');
      expect((await owner.post('/v1/roles', { name: 'qa', permissions: ['task:write'] })).status).toBe(201);
      await owner.post('/v1/projects', { name: 'P', key: 'PPP' });
    } finally {
      await server.stop();
    }
  }

  it.runIf(DIALECTS.includes('sqlite'))('SQLite: dev-enterprise first, then dev', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'flagship-handover-'));
    const env = { DATABASE_URL: `sqlite:${path.join(dir, 'flagship.db')}` };
    await serveWithModule(inject('bundles')['dev-enterprise']!, env);
    await roundTrip(inject('bundles').dev!, env);
  });

  it.runIf(DIALECTS.includes('postgres'))('PostgreSQL: prod first, then a Postgres build without the module', async () => {
    const { createDatabase } = await import('../support/postgres/index.js');
    const url = await createDatabase(inject('pg'), `handover_${randomUUID().replace(/-/g, '').slice(0, 12)}`);
    await serveWithModule(inject('bundles').prod!, { DATABASE_URL: url });
    const outDir = await mkdtemp(path.join(tmpdir(), 'flagship-pg-core-'));
    await buildVariant({ name: 'pg-core', file: 'pg-core (test)', flags: { dialects: ['postgres'], scaling: false, enterprise: false } }, { outDir });
    await roundTrip(path.join(outDir, 'server.mjs'), { DATABASE_URL: url });
  });
});
