// The options the scaling module owns and the typed settings made of them. The core shows them in --help and the
// README table and validates them at start with its own (the loader hands this declaration over); the module gets
// its settings back, typed, from the loader.
import type { ModuleOptions, OptionValues } from '../config/module-options.js';
import type { OptionSpec } from '../config/options.js';
import { parseReplicaList, type ReplicaSpec } from './replica-list.js';

export const SCALING_OPTIONS: readonly OptionSpec[] = Object.freeze([
  {
    key: 'replicas',
    env: 'DATABASE_REPLICAS',
    flag: 'database-replicas',
    type: 'string',
    only: 'scaling',
    parse: parseReplicaList,
    help: 'read replicas, comma-separated `region=postgres://...`; reads go to a healthy, caught-up one, preferring FLAGSHIP_REGION',
  },
  {
    key: 'region',
    env: 'FLAGSHIP_REGION',
    flag: 'region',
    type: 'string',
    only: 'scaling',
    help: "this server's region: its replicas serve reads first, then other regions', then the primary",
  },
  {
    key: 'maxLagBytes',
    env: 'REPLICA_MAX_LAG_BYTES',
    flag: 'replica-max-lag-bytes',
    type: 'int',
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    default: '16777216',
    only: 'scaling',
    help: 'a replica whose replay is this many WAL bytes behind the primary gets no reads until it catches up',
  },
  {
    key: 'maxLagSeconds',
    env: 'REPLICA_MAX_LAG_S',
    flag: 'replica-max-lag-s',
    type: 'int',
    min: 0,
    max: 86_400,
    default: '30',
    only: 'scaling',
    help: 'a replica whose replay is this many seconds behind gets no reads until it catches up',
  },
  {
    key: 'credentialsWithoutPrimaryMs',
    env: 'CREDENTIALS_WITHOUT_PRIMARY_MS',
    flag: 'credentials-without-primary-ms',
    type: 'int',
    min: 0,
    max: 86_400_000,
    default: '60000',
    only: 'scaling',
    help: 'while no primary answers, tokens and permissions are checked on the most caught-up replica for this long at most, then requests get 503 until one answers (a replica cut off too may miss a revocation); 0: never',
  },
  {
    key: 'queueMax',
    env: 'DB_POOL_QUEUE_MAX',
    flag: 'db-pool-queue-max',
    type: 'int',
    min: 0,
    max: 100_000,
    default: '200',
    only: 'scaling',
    help: 'callers that may wait for a busy pool (per node); more get a 503 with Retry-After at once. The wait is bounded by DB_CONNECT_TIMEOUT_MS',
  },
  {
    key: 'healthIntervalMs',
    env: 'DB_HEALTH_INTERVAL_MS',
    flag: 'db-health-interval-ms',
    type: 'int',
    min: 50,
    max: 600_000,
    default: '500',
    only: 'scaling',
    help: 'how often each node is checked (role, replay position, delay); a failed check ejects a replica, the next good one re-admits it',
  },
] satisfies OptionSpec[]);

export interface ScalingSettings {
  readonly replicas: readonly ReplicaSpec[];
  readonly region: string | undefined;
  readonly maxLagBytes: number;
  readonly maxLagSeconds: number;
  readonly credentialsWithoutPrimaryMs: number;
  readonly queueMax: number;
  readonly healthIntervalMs: number;
}

/** The module's settings from its parsed options (defaults filled in by the option table). */
export function scalingSettings(values: OptionValues): ScalingSettings {
  return Object.freeze({
    replicas: values.parsed<ReplicaSpec[]>('replicas') ?? [],
    region: values.string('region'),
    maxLagBytes: values.int('maxLagBytes'),
    maxLagSeconds: values.int('maxLagSeconds'),
    credentialsWithoutPrimaryMs: values.int('credentialsWithoutPrimaryMs'),
    queueMax: values.int('queueMax'),
    healthIntervalMs: values.int('healthIntervalMs'),
  });
}

export const scalingOptions: ModuleOptions<ScalingSettings> = Object.freeze({
  module: 'scaling',
  options: SCALING_OPTIONS,
  settings: scalingSettings,
});
