// The dev bundle as a test server (dist/dev/testing.mjs): what a suite pays for a fresh database per test. Side by
// side in one run: a new server per test (start on sqlite::memory:, seed, stop) against one server reset and seeded
// again per test, and the reset route alone; start-to-ready against the floor, a bare Node process.
//
// Setup is at module level: vitest's bench mode does not run beforeAll/afterAll hooks, nor per-iteration hooks.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { bench, describe, inject } from 'vitest';
import type { RunningFlagship, Seed } from '../src/testing/start-flagship.js';

type Client = typeof import('../src/testing/start-flagship.js');
const { startFlagship } = (await import(pathToFileURL(path.join(path.dirname(inject('bundles').dev!), 'testing.mjs')).href)) as Client;

/** A small suite's fixture: an organization of three, a project with ten tasks. */
const seed: Seed = {
  org: { name: 'Acme', slug: 'acme' },
  members: [
    { email: 'ann@acme.example', name: 'Ann', role: 'owner' },
    { email: 'bob@acme.example', name: 'Bob', role: 'member' },
    { email: 'vic@acme.example', name: 'Vic', role: 'viewer', tokens: [{ name: 'ci' }] },
  ],
  projects: [
    {
      name: 'Website',
      key: 'WEB',
      tasks: Array.from({ length: 10 }, (_, i) => ({ title: `task ${i}`, labels: i % 2 ? ['bug'] : [], assignee: 'bob@acme.example' })),
    },
  ],
};

// BENCH_QUICK (npm run bench -- --quick): fewer iterations, to check the wiring.
const scale = process.env.BENCH_QUICK ? 0.1 : 1;
const slow = { iterations: Math.ceil(15 * scale), warmupIterations: Math.ceil(2 * scale), time: 0 };
const fast = { iterations: 300 * scale, warmupIterations: 20 * scale, time: 0 };

const running = await startFlagship({ seed });

describe('a fresh database for each test', () => {
  bench(
    'new server per test: start (sqlite::memory:) + seed + stop',
    async () => {
      const server = await startFlagship({ seed });
      await server.stop();
    },
    slow,
  );
  bench('one server, reset + seed per test', () => running.reset(), fast);
  // The route alone, on the database the line above leaves behind (no per-iteration setup in bench mode, so after the
  // first iteration it empties an empty database: the floor of a reset, one HTTP round trip and one transaction).
  bench(
    'one server, POST /testing/reset alone',
    async () => {
      await fetch(`${running.url}/testing/reset`, { method: 'POST', headers: { 'x-flagship-testing': '1' } });
    },
    fast,
  );
});

// Start-to-ready alone: each iteration asks the previous server to stop without waiting for it (a SIGTERM is sent
// at once; its few milliseconds of shutdown overlap the next start), and the teardown waits for them all.
const stopping: Array<Promise<void>> = [];
let previous: RunningFlagship | undefined;

describe('start to ready', () => {
  bench(
    'dev bundle on sqlite::memory: until its ready message names the URL',
    async () => {
      if (previous) stopping.push(previous.stop());
      previous = await startFlagship();
    },
    {
      ...slow,
      teardown: async () => {
        if (previous) stopping.push(previous.stop());
        previous = undefined;
        await Promise.all(stopping);
      },
    },
  );
  bench(
    'the floor: a bare Node process (node -e 0) until it exits',
    async () => {
      const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
      await once(child, 'exit');
    },
    slow,
  );
});
