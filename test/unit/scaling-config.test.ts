// The scaling module's own options, validated by the core's loader with every problem listed; WAL positions; the
// consistency token a request carries and the one it hands back.
import { describe, expect, it } from 'vitest';
import { loadConfiguration } from '../../src/config/config.js';
import { splitHosts } from '../../src/config/database-url.js';
import { formatLsn, parseLsn } from '../../src/scaling/lsn.js';
import { Consistency } from '../../src/scaling/consistency.js';
import { scalingOptions } from '../../src/scaling/options.js';

const loaded = (env: Record<string, string>) => loadConfiguration({ DATABASE_URL: 'postgres://u:p@db/app', ...env }, {}, [scalingOptions]);
/** The module's settings as the loader hands them over, or the ConfigError listing every problem. */
const load = (env: Record<string, string>) => loaded(env).settings.of(scalingOptions)!;

describe('scaling options', () => {
  it('parses replicas by region, with defaults for the bounds', () => {
    const s = load({ DATABASE_REPLICAS: 'eu=postgres://u:p@r1:5432/app, us=postgres://u:p@r2/app?sslmode=require&options=a,b', FLAGSHIP_REGION: 'eu' });
    expect(s.replicas).toEqual([
      { region: 'eu', url: 'postgres://u:p@r1:5432/app' },
      { region: 'us', url: 'postgres://u:p@r2/app?sslmode=require&options=a,b' },
    ]);
    expect(s).toMatchObject({ region: 'eu', maxLagBytes: 16_777_216, maxLagSeconds: 30, queueMax: 200, healthIntervalMs: 500 });
  });

  it('lists every problem, without passwords', () => {
    let message = '';
    try {
      load({
        DATABASE_REPLICAS: 'postgres://u:hunter2@r1/app,eu=mysql://h/db,eu=postgres://r3/app,us=postgres://r3/app',
        REPLICA_MAX_LAG_S: '-1',
        DB_POOL_QUEUE_MAX: 'lots',
      });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^5 configuration problems:/);
    expect(message).toMatch(/entry "postgres:\/\/u:\*\*\*@r1\/app" needs a region first/);
    expect(message).toMatch(/the URL of region "eu" \(mysql:\/\/h\/db\) is not a PostgreSQL URL/);
    expect(message).toMatch(/postgres:\/\/r3\/app is listed twice/);
    expect(message).toMatch(/REPLICA_MAX_LAG_S="-1" is not a whole number/);
    expect(message).toMatch(/DB_POOL_QUEUE_MAX="lots" is not a whole number/);
    expect(message).not.toContain('hunter2');
  });

  it('accepts a DATABASE_URL with several hosts, libpq style', () => {
    const url = 'postgres://u:p@h1:5432,h2:5433/app?sslmode=disable';
    expect(loaded({ DATABASE_URL: url }).config.database).toEqual({ dialect: 'postgres', url });
    expect(splitHosts(url)).toEqual(['postgres://u:p@h1:5432/app?sslmode=disable', 'postgres://u:p@h2:5433/app?sslmode=disable']);
    expect(splitHosts('postgres://h/app')).toEqual(['postgres://h/app']);
    expect(() => load({ DATABASE_URL: 'postgres://u:p@h1:5432,:x/app' })).toThrow(/is not a valid PostgreSQL URL/);
  });
});

describe('WAL positions', () => {
  it.each([
    ['0/0', 0n],
    ['0/16B3748', 0x16b3748n],
    ['16/B374D848', (0x16n << 32n) | 0xb374d848n],
  ])('%s', (text, value) => {
    expect(parseLsn(text)).toBe(value);
    expect(formatLsn(value)).toBe(text);
  });
  it.each(['', 'x', '1/', '/1', '123456789/0', '1/2/3', '-1/0'])('refuses %j', (text) => {
    expect(parseLsn(text)).toBeUndefined();
  });
});

describe('consistency tokens', () => {
  const principal = { memberId: 'm1', orgId: 'o1', role: 'owner', tokenId: 't1' };

  it('takes the position a request carries, ignores junk, and hands back its own write', () => {
    const c = new Consistency();
    expect(c.run({ headers: { 'x-consistency-token': '0/100' } }, () => c.required())).toBe(0x100n);
    expect(c.run({ headers: { 'x-consistency-token': 'not-a-position' } }, () => c.required())).toBeUndefined();
    const headers = c.run({ headers: {} }, (h) => {
      c.wrote(0x200n);
      return h.responseHeaders?.();
    });
    expect(headers).toEqual({ 'x-consistency-token': '0/200' });
    expect(c.run({ headers: {} }, (h) => h.responseHeaders?.())).toBeUndefined();
  });

  it("remembers a principal's last write until every replica has replayed it", () => {
    const c = new Consistency();
    c.run({ headers: {} }, (h) => {
      h.identify?.(principal);
      c.wrote(0x300n);
    });
    expect(c.run({ headers: {} }, (h) => (h.identify?.(principal), c.required()))).toBe(0x300n);
    expect(c.run({ headers: {} }, (h) => (h.identify?.({ ...principal, memberId: 'm2' }), c.required()))).toBeUndefined();
    c.forgetUpTo(0x2ffn);
    expect(c.remembered).toBe(1);
    c.forgetUpTo(0x300n);
    expect(c.run({ headers: {} }, (h) => (h.identify?.(principal), c.required()))).toBeUndefined();
  });

  it('a write made before the caller is known (signup) is remembered for them once they are', () => {
    const c = new Consistency();
    c.run({ headers: {} }, (h) => {
      c.wrote(0x400n);
      h.identify?.(principal);
    });
    expect(c.run({ headers: {} }, (h) => (h.identify?.(principal), c.required()))).toBe(0x400n);
  });
});
