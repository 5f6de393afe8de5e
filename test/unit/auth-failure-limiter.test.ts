// The failed-authentication limiter's bookkeeping (src/server/rate-limits.ts), driven directly: attempts admitted at
// once beyond the limit wait, the ones past it are refused, and once every attempt is settled no address is kept.
import Fastify from 'fastify';
import type { FastifyRequest } from 'fastify';
import { expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { TooManyRequestsError } from '../../src/errors.js';
import { registerRateLimits } from '../../src/server/rate-limits.js';

/** What the limiter reads of a request: its client address, and the route's config the plugin looks at. */
const from = (ip: string) => ({ ip, routeOptions: { config: {} } }) as unknown as FastifyRequest;

it('refuses what is past the limit, lets the rest through, and keeps no address once all are settled', async () => {
  const app = Fastify();
  const limiter = await registerRateLimits(app, loadConfig({ DATABASE_URL: 'sqlite::memory:', AUTH_FAILURE_RATE_LIMIT: '3' }));
  for (const ip of ['198.51.100.1', '198.51.100.2']) {
    // Five attempts at once, each failing once admitted, one after the other with a pause between: the two past the
    // limit are waiting each time one is decided, the last time too.
    const pause = () => new Promise((resolve) => setTimeout(resolve, 50));
    const turns: Array<() => void> = [];
    const attempts = Array.from({ length: 5 }, async () => {
      await limiter.admit(from(ip));
      await new Promise<void>((resolve) => turns.push(resolve));
      await limiter.settle(from(ip), true);
    });
    // Watched from the start: the refusals come while the turns below are still being given.
    const settled = Promise.allSettled(attempts);
    await pause();
    while (turns.length > 0) {
      turns.shift()!();
      await pause();
    }
    const outcomes = await settled;
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
    const refused = outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason);
    expect(refused).toHaveLength(2);
    for (const reason of refused) expect(reason).toBeInstanceOf(TooManyRequestsError);
  }
  expect(limiter.addressesUnderWay()).toBe(0);
  await app.close();
});

it('counts the addresses of one IPv6 /64 as one client', async () => {
  const app = Fastify();
  const limiter = await registerRateLimits(app, loadConfig({ DATABASE_URL: 'sqlite::memory:', AUTH_FAILURE_RATE_LIMIT: '3' }));
  const refused: unknown[] = [];
  // One failed attempt from each of ten addresses of 2001:db8::/64, one after the other.
  for (let i = 1; i <= 10; i++) {
    const request = from(`2001:db8::${i.toString(16)}`);
    try {
      await limiter.admit(request);
      await limiter.settle(request, true);
    } catch (err) {
      refused.push(err);
    }
  }
  expect(refused).toHaveLength(7);
  for (const reason of refused) expect(reason).toBeInstanceOf(TooManyRequestsError);
  // Another /64 has its own count.
  await expect(Promise.resolve(limiter.admit(from('2001:db8:0:1::1')))).resolves.toBeUndefined();
  await app.close();
});
