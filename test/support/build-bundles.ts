// Once per test run: a scratch folder that every test's temp files go under (removed at the end), and every variant
// in flags/ built through build.mjs itself (so the exclusion proof runs too), with the bundle paths handed to tests.
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
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

const SCRATCH = /^flagship-test-run-(\d+)-/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Scratch folders of earlier runs that were killed before their teardown (Ctrl-C twice, SIGKILL). */
async function sweepAbandoned(): Promise<void> {
  for (const name of await readdir(tmpdir())) {
    const pid = Number(SCRATCH.exec(name)?.[1]);
    if (pid && pid !== process.pid && !alive(pid)) await rm(path.join(tmpdir(), name), { recursive: true, force: true });
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await sweepAbandoned();
  // The owner's pid is in the name, so a later run can tell an abandoned folder from a live one.
  const scratch = await mkdtemp(path.join(tmpdir(), `flagship-test-run-${process.pid}-`));
  // Readable by the unprivileged user the PostgreSQL harness runs its servers as.
  await chmod(scratch, 0o755);
  // Removes the folder (and stops anything still running from it) if this process dies before its teardown: Ctrl-C.
  launchWatchdog({ tempDir: scratch, binDir: '' });
  // Workers inherit the environment, so os.tmpdir() points every test's mkdtemp here.
  process.env.TMPDIR = scratch;

  const root = path.resolve(import.meta.dirname, '../..');
  const bundles: Record<string, string> = {};
  for (const name of ['dev', 'prod']) {
    const variant = await loadVariant(path.join(root, 'flags'), name);
    await buildVariant(variant);
    bundles[name] = path.join(root, 'dist', name, 'server.mjs');
  }
  project.provide('bundles', bundles);
  return async () => {
    await rm(scratch, { recursive: true, force: true });
  };
}
