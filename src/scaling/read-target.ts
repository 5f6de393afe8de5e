// Which node serves a read: a pure decision over the nodes' last known states and what the read needs, so it can be
// tested as a table. The router feeds it live state and acts on the answer.

export type NodeRole = 'primary' | 'replica' | 'unknown' | 'unreachable';

export interface NodeView {
  readonly name: string;
  readonly region: string | undefined;
  /** What the node said at its last check; `unreachable` when that check failed. Never trusted from configuration. */
  readonly role: NodeRole;
  /** Answered its last check and has not failed a query since. */
  readonly healthy: boolean;
  /** Replica: the last replay position seen. */
  readonly replayLsn: bigint | undefined;
  readonly lagBytes: number;
  /** Seconds behind the primary; Infinity while it cannot be told (no primary position known yet). */
  readonly lagSeconds: number;
  /** Reads and writes in flight on this node. */
  readonly outstanding: number;
}

export interface ReadNeed {
  /**
   * Must see every committed write (security decisions): the primary, or while no primary answers, the most
   * caught-up healthy replica, for as long as the policy's `freshWithoutPrimaryMs` allows (see there).
   */
  readonly fresh?: boolean | undefined;
  /**
   * A fresh read may also be served by a replica that has replayed this position: every change the read depends on
   * is known to end before it (the newest security change, see security-position.ts). Undefined: the primary only.
   */
  readonly freshFrom?: bigint | undefined;
  /** Must see the write that ended at this WAL position (read-your-writes). */
  readonly minLsn?: bigint | undefined;
  /** Nodes that already failed this read. */
  readonly exclude?: ReadonlySet<string> | undefined;
}

export interface RoutingPolicy {
  readonly region: string | undefined;
  readonly maxLagBytes: number;
  readonly maxLagSeconds: number;
  /**
   * How long after a primary last answered a fresh read may still go to the most caught-up replica (0: never). Seen
   * from here, a primary that went away and one this instance is cut off from look alike: in the first case nothing
   * commits anywhere and the replica is as fresh as anything, in the second other instances may still commit there
   * (a revoked token, a removed member) while the replica, cut off too, stops replaying. A failover ends the first
   * case within this bound; past it a fresh read goes nowhere rather than to a replica that may have missed a
   * revocation.
   */
  readonly freshWithoutPrimaryMs: number;
}

/** Whether a fresh read may go to a replica when no primary has answered for `primaryAbsentMs`. */
export function freshWithoutPrimary(policy: RoutingPolicy, primaryAbsentMs: number): boolean {
  return policy.freshWithoutPrimaryMs > 0 && primaryAbsentMs <= policy.freshWithoutPrimaryMs;
}

/** Why a replica cannot serve a read right now, or undefined when it can. */
export function unfitBecause(node: NodeView, need: ReadNeed, policy: RoutingPolicy): string | undefined {
  if (node.role !== 'replica') return node.role === 'primary' ? 'is the primary' : node.role === 'unreachable' ? 'does not answer' : 'role not known yet';
  if (!node.healthy) return 'ejected (failed a check or a query)';
  if (need.exclude?.has(node.name)) return 'already failed this read';
  if (node.lagBytes > policy.maxLagBytes) return `lags ${node.lagBytes} bytes (bound ${policy.maxLagBytes})`;
  if (!Number.isFinite(node.lagSeconds)) return 'cannot prove its lag: no primary position known';
  if (node.lagSeconds > policy.maxLagSeconds) return `lags ${node.lagSeconds.toFixed(1)} s (bound ${policy.maxLagSeconds})`;
  if (need.minLsn !== undefined && (node.replayLsn === undefined || node.replayLsn < need.minLsn)) return 'has not replayed the required position';
  return undefined;
}

/** Whether some node answers read-write now. */
export function primaryReachable(nodes: readonly NodeView[]): boolean {
  return nodes.some((n) => n.role === 'primary' && n.healthy);
}

/**
 * While no primary answers: the healthy replica that has replayed the most (and the required position, if any).
 * Lag bounds do not apply: they measure distance to a primary that cannot commit anything now.
 */
export function mostCaughtUp<N extends NodeView>(nodes: readonly N[], need: ReadNeed): N | undefined {
  let best: N | undefined;
  for (const n of nodes) {
    if (n.role !== 'replica' || !n.healthy || need.exclude?.has(n.name) || n.replayLsn === undefined) continue;
    if (need.minLsn !== undefined && n.replayLsn < need.minLsn) continue;
    if (!best || n.replayLsn > best.replayLsn!) best = n;
  }
  return best;
}

/**
 * The replica that serves a read, or 'primary'. Fresh reads go to the primary, or to a replica that replayed
 * `freshFrom` when one is given. Otherwise: a fit replica in the
 * server's region, then one in another region, then the primary; among equals the one with the fewest reads in
 * flight, ties broken by `turn` so equal nodes share the load. While no primary answers, any read no fit replica can
 * serve goes to the most caught-up healthy replica instead, and so does a fresh read while `primaryAbsentMs` (how
 * long no primary has answered; required, so no caller can leave the bound out) is within the policy's
 * `freshWithoutPrimaryMs`; past it, 'primary' (which refuses).
 */
export function chooseReadTarget<N extends NodeView>(
  nodes: readonly N[],
  need: ReadNeed,
  policy: RoutingPolicy,
  turn: number,
  primaryAbsentMs: number,
): N | 'primary' {
  const primaryUp = primaryReachable(nodes);
  if (need.fresh && need.freshFrom !== undefined && primaryUp) {
    const minLsn = need.minLsn === undefined || need.freshFrom > need.minLsn ? need.freshFrom : need.minLsn;
    return chooseReadTarget(nodes, { minLsn, exclude: need.exclude }, policy, turn, primaryAbsentMs);
  }
  if (need.fresh) return primaryUp || !freshWithoutPrimary(policy, primaryAbsentMs) ? 'primary' : (mostCaughtUp(nodes, need) ?? 'primary');
  const fit = nodes.filter((n) => unfitBecause(n, need, policy) === undefined);
  if (fit.length === 0) return primaryUp ? 'primary' : (mostCaughtUp(nodes, need) ?? 'primary');
  const local = policy.region === undefined ? [] : fit.filter((n) => n.region === policy.region);
  const group = local.length > 0 ? local : fit;
  const least = Math.min(...group.map((n) => n.outstanding));
  const equals = group.filter((n) => n.outstanding === least);
  return equals[turn % equals.length]!;
}
