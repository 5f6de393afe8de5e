// Which node serves a read, as a table: the pure decision the router acts on.
import { describe, expect, it } from 'vitest';
import { chooseReadTarget, freshWithoutPrimary, type NodeView, type ReadNeed, type RoutingPolicy } from '../../src/scaling/read-target.js';
import { LagClock } from '../../src/scaling/lag-clock.js';

const policy: RoutingPolicy = { region: 'eu', maxLagBytes: 1000, maxLagSeconds: 5, freshWithoutPrimaryMs: 60_000 };
const replica = (name: string, region: string | undefined, over: Partial<NodeView> = {}): NodeView => ({
  name,
  region,
  role: 'replica',
  healthy: true,
  replayLsn: 100n,
  lagBytes: 0,
  lagSeconds: 0,
  outstanding: 0,
  ...over,
});
const primary: NodeView = { ...replica('p', undefined), role: 'primary', replayLsn: undefined };
/** With a primary that answers, unless the nodes given already say what the primary is. */
const pick = (nodes: NodeView[], need: ReadNeed = {}, turn = 0) => {
  const all = nodes.some((n) => n.role === 'primary' || n.role === 'unreachable') ? nodes : [primary, ...nodes];
  // A primary that answers, or one gone for no time yet: within any bound.
  const t = chooseReadTarget(all, need, policy, turn, 0);
  return t === 'primary' ? 'primary' : t.name;
};

const unreachablePrimary: NodeView = { ...primary, role: 'unreachable', healthy: false };

describe('chooseReadTarget', () => {
  const eu = replica('eu1', 'eu');
  const us = replica('us1', 'us');
  it.each<[string, NodeView[], ReadNeed, string]>([
    ['same region first', [us, eu], {}, 'eu1'],
    ['another region when the local one is ejected', [replica('eu1', 'eu', { healthy: false }), us], {}, 'us1'],
    ['another region when the local one lags in bytes', [replica('eu1', 'eu', { lagBytes: 1001 }), us], {}, 'us1'],
    ['another region when the local one lags in seconds', [replica('eu1', 'eu', { lagSeconds: 5.5 }), us], {}, 'us1'],
    ['the primary when every replica lags', [replica('eu1', 'eu', { lagBytes: 5000 }), replica('us1', 'us', { lagSeconds: 60 })], {}, 'primary'],
    ['the primary for a fresh read', [eu, us], { fresh: true }, 'primary'],
    ['a replica that replayed the required position', [eu, us], { minLsn: 100n }, 'eu1'],
    [
      'another that did, when the local one has not',
      [replica('eu1', 'eu', { replayLsn: 99n }), replica('us1', 'us', { replayLsn: 150n })],
      { minLsn: 120n },
      'us1',
    ],
    ['the primary when none replayed it', [eu, us], { minLsn: 101n }, 'primary'],
    ['never a replica that replayed nothing yet', [replica('eu1', 'eu', { replayLsn: undefined })], { minLsn: 1n }, 'primary'],
    ['not the one that failed this read', [eu, us], { exclude: new Set(['eu1']) }, 'us1'],
    ['never a node whose role is not known', [replica('eu1', 'eu', { role: 'unknown' })], {}, 'primary'],
    ['never a node found read-write', [replica('eu1', 'eu', { role: 'primary' })], {}, 'primary'],
    ['the primary with no replicas', [], {}, 'primary'],
    ['any region when the server has none of its own', [us], {}, 'us1'],
    ['never a replica whose lag cannot be told', [replica('eu1', 'eu', { lagSeconds: Number.POSITIVE_INFINITY })], {}, 'primary'],
    ['never a node that does not answer', [primary, replica('eu1', 'eu', { role: 'unreachable', healthy: false })], {}, 'primary'],
    // No primary answers: nothing can commit anywhere, so the most caught-up replica is as fresh as anything.
    [
      'a fresh read, primary unreachable: the most caught-up replica',
      [unreachablePrimary, eu, replica('us1', 'us', { replayLsn: 150n })],
      { fresh: true },
      'us1',
    ],
    ['a fresh read, primary ejected: the most caught-up replica', [{ ...primary, healthy: false }, eu], { fresh: true }, 'eu1'],
    [
      'a fresh read, primary unreachable, no healthy replica: the primary (which refuses)',
      [unreachablePrimary, replica('eu1', 'eu', { healthy: false })],
      { fresh: true },
      'primary',
    ],
    [
      'any read no fit replica serves, primary unreachable: the most caught-up one, lag bounds aside',
      [unreachablePrimary, replica('eu1', 'eu', { lagSeconds: 60, replayLsn: 90n }), replica('us1', 'us', { lagSeconds: 40, replayLsn: 95n })],
      {},
      'us1',
    ],
    // A security position known: a fresh read may go to a replica that replayed it.
    ['a fresh read, security position replayed locally: the local replica', [us, eu], { fresh: true, freshFrom: 100n }, 'eu1'],
    ['a fresh read, security position replayed elsewhere only', [replica('eu1', 'eu', { replayLsn: 90n }), us], { fresh: true, freshFrom: 100n }, 'us1'],
    ['a fresh read, security position replayed nowhere: the primary', [eu, us], { fresh: true, freshFrom: 101n }, 'primary'],
    ["a fresh read, security position replayed, not the caller's own write: the primary", [eu, us], { fresh: true, freshFrom: 50n, minLsn: 120n }, 'primary'],
    [
      'a fresh read, security position replayed by a lagging replica only: the primary',
      [replica('eu1', 'eu', { lagSeconds: 60 })],
      { fresh: true, freshFrom: 100n },
      'primary',
    ],
    ['primary unreachable: still never below the required position', [unreachablePrimary, eu], { minLsn: 101n }, 'primary'],
    [
      'primary unreachable: not the replica that failed this read',
      [unreachablePrimary, eu, replica('us1', 'us', { replayLsn: 50n })],
      { fresh: true, exclude: new Set(['eu1']) },
      'us1',
    ],
  ])('%s', (_what, nodes, need, expected) => {
    expect(pick(nodes, need)).toBe(expected);
  });

  it('sends a fresh read to a replica while no primary answers only within the time the policy allows', () => {
    const nodes = [unreachablePrimary, replica('eu1', 'eu', { replayLsn: 90n }), replica('us1', 'us', { replayLsn: 150n })];
    const at = (absentMs: number, over: Partial<RoutingPolicy> = {}, need: ReadNeed = { fresh: true }) => {
      const t = chooseReadTarget(nodes, need, { ...policy, ...over }, 0, absentMs);
      return t === 'primary' ? 'primary' : t.name;
    };
    expect(at(0)).toBe('us1');
    expect(at(60_000)).toBe('us1');
    // Past it: the primary, which refuses, rather than a replica that may have missed a revocation.
    expect(at(60_001)).toBe('primary');
    expect(at(60_001, {}, { fresh: true, freshFrom: 100n })).toBe('primary');
    // A process that has never seen a primary (the health monitor's Infinity) gives no replica a bound's worth of trust.
    expect(at(Number.POSITIVE_INFINITY)).toBe('primary');
    // 0: never, not even at once.
    expect(at(0, { freshWithoutPrimaryMs: 0 })).toBe('primary');
    // Reads that need not be fresh still go to a fit replica, the local one first.
    expect(at(3_600_000, {}, {})).toBe('eu1');
    expect(freshWithoutPrimary({ ...policy, freshWithoutPrimaryMs: 0 }, 0)).toBe(false);
    // A primary that answers serves a fresh read however long it was away before.
    expect(chooseReadTarget([primary, ...nodes.slice(1)], { fresh: true }, { ...policy, freshWithoutPrimaryMs: 0 }, 0, 0)).toBe('primary');
  });

  it('takes the least busy among equals, and shares ties by turn', () => {
    const busy = replica('eu1', 'eu', { outstanding: 3 });
    const idle = replica('eu2', 'eu', { outstanding: 1 });
    expect(pick([busy, idle])).toBe('eu2');
    const a = replica('eu1', 'eu');
    const b = replica('eu2', 'eu');
    expect([0, 1, 2, 3].map((turn) => pick([a, b], {}, turn))).toEqual(['eu1', 'eu2', 'eu1', 'eu2']);
    // A less busy replica elsewhere does not beat a local one.
    expect(pick([replica('eu1', 'eu', { outstanding: 9 }), replica('us1', 'us')])).toBe('eu1');
  });
});

describe('LagClock', () => {
  it('measures a replica against when the primary reached each position: growing while it does not replay, 0 once it has', () => {
    let now = 0;
    const clock = new LagClock(() => now);
    expect(clock.secondsBehind(10n)).toBe(Number.POSITIVE_INFINITY);
    clock.saw(100n);
    now = 1000;
    clock.saw(200n);
    now = 5000;
    // Idle cluster: a replica at the primary's last position is not behind, however long ago that was.
    expect(clock.secondsBehind(200n)).toBe(0);
    // Stuck below 200: behind since the primary was first seen past its position (at 1 s), and growing.
    expect(clock.secondsBehind(150n)).toBe(4);
    now = 9000;
    expect(clock.secondsBehind(150n)).toBe(8);
    expect(clock.secondsBehind(50n)).toBe(9);
    expect(clock.secondsBehind(undefined)).toBe(Number.POSITIVE_INFINITY);
    // A position seen again (or older) is not a new sample.
    clock.saw(200n);
    expect(clock.secondsBehind(150n)).toBe(8);
    // A new primary: nothing is known until it is seen.
    clock.reset();
    expect(clock.secondsBehind(200n)).toBe(Number.POSITIVE_INFINITY);
  });

  it('keeps its memory bounded yet still tells a replica stuck before it forgot is far behind', () => {
    let now = 0;
    const clock = new LagClock(() => now);
    for (let i = 1n; i <= 10_000n; i++) {
      now += 100;
      clock.saw(i * 10n);
    }
    expect(clock.secondsBehind(5n)).toBeGreaterThan(120);
    expect(clock.secondsBehind(100_000n)).toBe(0);
  });
});
