// `npm ci --omit=optional` (the natural way to skip the embedded PostgreSQL) installs none of the packages the lock
// file marks optional, pg's pg-cloudflare among them. The build must not need any of them: this builds the prod
// variant against a node_modules that holds every installed package except those.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildVariant, loadVariant } from '../../build.mjs';
import { runBundle } from '../support/server-process.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Top-level packages the lock file marks optional: what --omit=optional leaves out. */
async function optionalPackages(): Promise<Set<string>> {
  const lock = JSON.parse(await readFile(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { optional?: boolean }> };
  const names = Object.entries(lock.packages)
    .filter(([key, info]) => info.optional === true && key.startsWith('node_modules/') && !key.slice('node_modules/'.length).includes('node_modules/'))
    .map(([key]) => key.slice('node_modules/'.length));
  return new Set(names);
}

/** A project folder whose src and package.json are the real ones and whose node_modules lacks `omit`. */
async function projectWithout(omit: Set<string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'flagship-omit-optional-'));
  await symlink(path.join(ROOT, 'src'), path.join(dir, 'src'));
  await symlink(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  const from = path.join(ROOT, 'node_modules');
  const to = path.join(dir, 'node_modules');
  await mkdir(to);
  for (const entry of await readdir(from)) {
    if (entry.startsWith('@')) {
      await mkdir(path.join(to, entry));
      for (const inner of await readdir(path.join(from, entry))) {
        if (!omit.has(`${entry}/${inner}`)) await symlink(path.join(from, entry, inner), path.join(to, entry, inner));
      }
    } else if (!omit.has(entry)) {
      await symlink(path.join(from, entry), path.join(to, entry));
    }
  }
  return dir;
}

describe('the build with optional dependencies omitted', () => {
  it('builds the prod bundle, which runs', async () => {
    const omit = await optionalPackages();
    expect(omit).toContain('pg-cloudflare');
    const dir = await projectWithout(omit);
    expect(existsSync(path.join(dir, 'node_modules', 'pg'))).toBe(true);
    expect(existsSync(path.join(dir, 'node_modules', 'pg-cloudflare'))).toBe(false);

    const prod = await loadVariant(path.join(ROOT, 'flags'), 'prod');
    // Symlinks kept as they are: resolved, they would lead back into the full node_modules.
    const report = await buildVariant(prod, { root: dir, preserveSymlinks: true, logLevel: 'silent' });
    expect(report.groups['dependency:pg']).toBeGreaterThan(0);
    expect(report.groups['dependency:pg-cloudflare']).toBeUndefined();

    const { code, stdout } = await runBundle(path.join(dir, 'dist', 'prod', 'server.mjs'), ['--version'], { cwd: dir });
    expect(code).toBe(0);
    expect(stdout).toMatch(/variant: prod/);
  });
});
