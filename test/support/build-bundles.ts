// Builds every variant in flags/ once per test run, through build.mjs itself (so the exclusion proof runs too), and
// hands the bundle paths to the tests.
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildVariant, loadVariant } from '../../build.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    bundles: Record<string, string>;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const root = path.resolve(import.meta.dirname, '../..');
  const bundles: Record<string, string> = {};
  for (const name of ['dev', 'prod']) {
    const variant = await loadVariant(path.join(root, 'flags'), name);
    await buildVariant(variant);
    bundles[name] = path.join(root, 'dist', name, 'server.mjs');
  }
  project.provide('bundles', bundles);
}
