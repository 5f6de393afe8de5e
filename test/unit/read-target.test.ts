// Which node serves a read, as a table: the pure decision the router acts on.
import { describe, expect, it } from 'vitest';
import { chooseReadTarget, type NodeView, type ReadNeed, type RoutingPolicy } from '../../src/scaling/read-target.js';

const policy: RoutingPolicy = { region: 'eu', maxLagBytes: 1000, maxLagSeconds: 5 };
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
const pick = (nodes: NodeView[], need: ReadNeed = {}, turn = 0) => {
  const t = chooseReadTarget(nodes, need, policy, turn);
  return t === 'primary' ? 'primary' : t.name;
};

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
  ])('%s', (_what, nodes, need, expected) => {
    expect(pick(nodes, need)).toBe(expected);
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
