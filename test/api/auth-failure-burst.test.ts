// AUTH_FAILURE_RATE_LIMIT against attempts sent all at once: on PostgreSQL a token is looked up asynchronously, and a
// burst used to be under way in full before its first failure was counted (300 at once met 191 lookups against a
// limit of 50). A client has at most as many attempts under way as it has failures left; the rest wait, so a burst of
// good tokens is slowed, never refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgres } from '../support/api.js';
import { buildTestApp, signUp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/dialects.js';

const LIMIT = 20;

describe.each(DIALECTS)('failed authentications sent at once, on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({
      DATABASE_URL: dialect === 'postgres' ? await freshPostgres('burst') : 'sqlite::memory:',
      AUTH_FAILURE_RATE_LIMIT: String(LIMIT),
    });
  });
  afterAll(() => t?.close());

  const burst = async (remoteAddress: string, authorization: string, n: number) => {
    const answers = await Promise.all(
      Array.from({ length: n }, () => t.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization }, remoteAddress })),
    );
    const counts: Record<number, number> = {};
    for (const a of answers) counts[a.statusCode] = (counts[a.statusCode] ?? 0) + 1;
    return counts;
  };

  it('looks up no more wrong tokens than the limit, however many arrive at once', async () => {
    expect(await burst('198.51.100.31', `Bearer fs_${'B'.repeat(43)}`, 150)).toEqual({ 401: LIMIT, 429: 150 - LIMIT });
  });

  it('answers every request of a burst of good tokens, more than the limit at once', async () => {
    const { token } = await signUp(t.app, 'burst');
    expect(await burst('198.51.100.32', `Bearer ${token}`, 3 * LIMIT)).toEqual({ 200: 3 * LIMIT });
  });
});
