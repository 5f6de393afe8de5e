// The lifecycle in-process: the runtime's state moves only by its transitions; shutdown runs every step whatever the
// others do (a module whose close throws still gets the database closed, on a real SQLite file) and says so in its
// exit code; errors carry the exit code they mean.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, loadConfiguration } from '../../src/config/config.js';
import { AS_IS, DatabaseMisconfiguredError, DatabaseRefusedError, DatabaseUnavailableError } from '../../src/db/errors.js';
import { ConfigError, exitCodeOf, isRetryable, VariantLacksError } from '../../src/errors.js';
import { moduleDeclarations } from '../../src/features.js';
import type { Feature } from '../../src/features/feature.js';
import { registerApi } from '../../src/server/api.js';
import { buildApp } from '../../src/server/app.js';
import { bringUpDatabase, createShutdown, StartTimeoutError } from '../../src/server/lifecycle.js';
import { createLogger } from '../../src/server/logger.js';
import { LifecycleError, Runtime } from '../../src/server/runtime.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c().catch(() => undefined);
});

/** A served app on a SQLite file, ready, with `features`; the logs it writes. */
async function servedOnAFile(features: Feature[], prepare?: (app: Awaited<ReturnType<typeof buildApp>>) => void) {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'flagship-lifecycle-')), 'app.db');
  const config = loadConfig({ DATABASE_URL: `sqlite:${file}`, LOG_LEVEL: 'info' });
  const logs: Array<Record<string, unknown>> = [];
  const logger = createLogger('info', 1, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const runtime = new Runtime(config, features);
  const app = await buildApp({ runtime, logger, routes: registerApi });
  prepare?.(app);
  const db = await bringUpDatabase(config, features, logger, true);
  cleanups.push(
    () => db.close(),
    () => app.close(),
  );
  runtime.attach(db);
  expect(runtime.markReady()).toBe(true);
  // A write, so the database has a write-ahead log that only a real close folds back and removes.
  const signup = await app.inject({
    method: 'POST',
    url: '/v1/signup',
    payload: { org: { name: 'Acme', slug: 'acme' }, user: { email: 'a@acme.example', name: 'A' } },
  });
  expect(signup.statusCode).toBe(201);
  expect(existsSync(`${file}-wal`)).toBe(true);
  return { file, runtime, app, db, logs, shutdown: createShutdown({ app, runtime, logger }) };
}

describe('shutdown', () => {
  it('closes the database although a module close throws, logs the failure and exits 1', async () => {
    const closed: string[] = [];
    const features: Feature[] = [
      { name: 'first', summary: 'closes fine', close: async () => void closed.push('first') },
      {
        name: 'broken',
        summary: 'close throws',
        close: async () => {
          throw new Error('the broken module could not let go');
        },
      },
    ];
    const s = await servedOnAFile(features);
    const code = await s.shutdown('SIGTERM');
    expect(code).toBe(1);
    // The module closed before it (features close in reverse order) and the database after it both ran.
    expect(closed).toEqual(['first']);
    expect(existsSync(`${s.file}-wal`)).toBe(false);
    await expect(s.db.transaction(async () => undefined)).rejects.toThrow(DatabaseUnavailableError);
    expect(s.runtime.state).toBe('stopping');
    expect(s.logs.find((l) => l.step === 'closing the broken module')).toMatchObject({
      level: 'error',
      err: { message: 'the broken module could not let go' },
    });
    expect(s.logs.at(-1)).toMatchObject({ msg: 'stopped; 1 shutdown step(s) failed', failed: 1 });
    // Asked again (a second signal), it answers the same without running anything twice.
    expect(await s.shutdown('SIGINT')).toBe(1);
  });

  it('exits 0 when every step succeeds', async () => {
    const s = await servedOnAFile([{ name: 'quiet', summary: 'closes fine', close: async () => undefined }]);
    expect(await s.shutdown('SIGTERM')).toBe(0);
    expect(existsSync(`${s.file}-wal`)).toBe(false);
    expect(s.logs.at(-1)).toMatchObject({ msg: 'stopped' });
  });

  it('still closes the modules and the database when closing the HTTP server throws, and never rejects', async () => {
    const closed: string[] = [];
    const s = await servedOnAFile([{ name: 'quiet', summary: 'closes fine', close: async () => void closed.push('quiet') }], (app) =>
      app.addHook('onClose', async () => {
        throw new Error('an onClose hook failed');
      }),
    );
    await expect(s.shutdown('SIGTERM')).resolves.toBe(1);
    expect(closed).toEqual(['quiet']);
    expect(existsSync(`${s.file}-wal`)).toBe(false);
  });
});

describe('the runtime state', () => {
  it('moves only by its transitions, and refuses the ones it does not have', async () => {
    const config = loadConfig({ DATABASE_URL: 'sqlite::memory:' });
    const runtime = new Runtime(config, []);
    expect(runtime.state).toBe('starting');
    expect(() => runtime.markReady()).toThrow(LifecycleError);
    runtime.waiting('database unavailable (attempt 1)');
    expect(runtime.reason).toBe('database unavailable (attempt 1)');
    expect(() => runtime.db()).toThrow(/not ready yet \(database unavailable \(attempt 1\)\)/);
    const db = await bringUpDatabase(config, [], createLogger('silent'), true);
    cleanups.push(() => db.close());
    runtime.attach(db);
    expect(() => runtime.attach(db)).toThrow(LifecycleError);
    expect(runtime.markReady()).toBe(true);
    expect(runtime.reason).toBe('');
    expect(runtime.db()).toBe(db);
    expect(() => runtime.markReady()).toThrow(LifecycleError);
    runtime.markStopping();
    expect(() => runtime.db()).toThrow(/shutting down/);
    expect(() => runtime.waiting('late')).toThrow(LifecycleError);
    // A server stopping before it was ready is not announced as ready.
    const early = new Runtime(config, []);
    early.attach(db);
    early.markStopping();
    expect(early.markReady()).toBe(false);
    expect(early.state).toBe('stopping');
    // No field to write from outside.
    expect(() => Object.assign(runtime, { state: 'ready' })).toThrow(TypeError);
  });
});

describe('a ready server whose database stops answering', () => {
  it('is degraded while /readyz finds the database down (routes still try it), and ready again once it answers', async () => {
    const s = await servedOnAFile([]);
    const readyz = async () => (await s.app.inject({ method: 'GET', url: '/readyz', remoteAddress: '127.0.0.1' })).statusCode;
    expect(await readyz()).toBe(200);
    expect(s.runtime.state).toBe('ready');
    // The state machine's own moves: degraded keeps the database reachable for routes, ready clears the reason.
    s.runtime.markDegraded('database: not answering');
    expect(s.runtime.state).toBe('degraded');
    expect(s.runtime.db()).toBe(s.db);
    // /readyz asks the real database: it answers, so the server is ready again.
    expect(await readyz()).toBe(200);
    expect(s.runtime.state).toBe('ready');
    expect(s.runtime.reason).toBe('');
    // The database really goes away: /readyz answers 503 and the server is degraded, with the database's reason.
    await s.db.close();
    expect(await readyz()).toBe(503);
    expect(s.runtime.state).toBe('degraded');
    expect(s.runtime.reason).toMatch(/^database: /);
    // Shutdown still moves a degraded server to stopping; a late health answer does not bring it back.
    s.runtime.markStopping();
    s.runtime.markRecovered();
    expect(s.runtime.state).toBe('stopping');
  });
});

describe('what an error means for the process', () => {
  it('a configuration error exits 2, and a module option problem is one of them', async () => {
    let err: unknown;
    try {
      loadConfiguration({ DATABASE_URL: 'sqlite::memory:', PORT: '70000', AUDIT_CHECKPOINT_INTERVAL: 'hourly' }, {}, await moduleDeclarations());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    // The enterprise option's problem and the core's, in one message.
    expect((err as Error).message).toMatch(
      /^2 configuration problems:\n {2}- PORT="70000" is out of range.*\n {2}- AUDIT_CHECKPOINT_INTERVAL="hourly" is not a whole number/,
    );
    expect(exitCodeOf(err)).toBe(2);
    expect(isRetryable(err)).toBe(false);
  });

  it.each([
    ['VariantLacksError exits 2, final', new VariantLacksError('x'), 2, false],
    ['DatabaseRefusedError exits 2, final', new DatabaseRefusedError('x'), 2, false],
    ['DatabaseMisconfiguredError exits 2, final', new DatabaseMisconfiguredError('x'), 2, false],
    ['DatabaseUnavailableError exits 1, retryable', new DatabaseUnavailableError('x', undefined, AS_IS), 1, true],
    ['StartTimeoutError exits 1, final', new StartTimeoutError('x'), 1, false],
    ['an Error exits 1, final', new Error('x'), 1, false],
    ['a string exits 1, final', 'x', 1, false],
  ])('%s', (_name, err, code, retryable) => {
    expect(exitCodeOf(err)).toBe(code);
    expect(isRetryable(err)).toBe(retryable);
  });
});
