// The consumer's view: a sample suite that knows flagship only through dist/dev/testing.mjs, run from a copy of
// dist/dev/ outside the repository, twice at once. Each run starts its own server; neither sees the other's data.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';

const SUITE = path.join(import.meta.dirname, 'sample-suite.mjs');

async function runSuite(testingMjs: string, marker: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--test', '--test-reporter=tap', SUITE], {
    env: { PATH: process.env.PATH ?? '', TMPDIR: tmpdir(), FLAGSHIP_TESTING_MJS: testingMjs, SUITE_MARKER: marker },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const [code] = await once(child, 'exit');
  return { code: code as number | null, output };
}

describe('a consumer suite using only dist/dev/testing.mjs', () => {
  it('passes twice in parallel, each run on its own server and data', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'flagship-consumer-'));
    const dev = path.dirname(inject('bundles').dev!);
    for (const file of await readdir(dev)) await copyFile(path.join(dev, file), path.join(dir, file));
    const testingMjs = new URL(`file://${path.join(dir, 'testing.mjs')}`).href;

    const [a, b] = await Promise.all([runSuite(testingMjs, 'marker-run-a'), runSuite(testingMjs, 'marker-run-b')]);
    for (const run of [a, b]) {
      expect(run.code, run.output).toBe(0);
      expect(run.output).toMatch(/^# pass 4$/m);
      expect(run.output).toMatch(/^# fail 0$/m);
    }
    // Each run named only its own marker: a suite's task never showed up in the other's listing.
    expect(a.output).not.toContain('marker-run-b');
    expect(b.output).not.toContain('marker-run-a');
  });
});
