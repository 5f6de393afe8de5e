// Once per test run: a scratch folder that every test's temp files go under (removed at the end), and the dev and
// prod variants (and dev-enterprise) built through build.mjs itself (so the exclusion proof runs too), with the bundle paths handed to tests.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildVariant, loadVariant } from '../../build.mjs';
import { launchWatchdog } from './postgres/cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    bundles: Record<string, string>;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'flagship-test-run-'));
  // Readable by the unprivileged user the PostgreSQL harness runs its servers as.
  await chmod(scratch, 0o755);
  // Removes the folder (and stops anything still running from it) if this process dies before its teardown: Ctrl-C.
  launchWatchdog({ tempDir: scratch, binDir: '' });
  // Workers inherit the environment, so os.tmpdir() points every test's mkdtemp here.
  process.env.TMPDIR = scratch;

  const root = path.resolve(import.meta.dirname, '../..');
  const bundles: Record<string, string> = {};
  // A tier builds only the variants it runs (FLAGSHIP_BUNDLES in vitest.config.ts); all three by default.
  const names = String(project.config.env?.FLAGSHIP_BUNDLES ?? process.env.FLAGSHIP_BUNDLES ?? 'dev,dev-enterprise,prod').split(',');
  for (const name of names) {
    const variant = await loadVariant(path.join(root, 'flags'), name);
    await buildVariant(variant);
    bundles[name] = path.join(root, 'dist', name, 'server.mjs');
  }
  project.provide('bundles', bundles);
  return async () => {
    await rm(scratch, { recursive: true, force: true });
  };
}
