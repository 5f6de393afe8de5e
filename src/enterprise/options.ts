// The options the enterprise module owns. The core shows them in --help and the README table and validates them at
// start with its own (src/features.ts hands them over); the module reads them back, typed, with enterpriseSettings.
// AUDIT_KEY_FILE and AUDIT_CHECKPOINT_FILE predate this table and stay in the core's (src/config/options.ts).
import type { Config } from '../config/config.js';
import type { OptionSpec } from '../config/options.js';

export const DEFAULT_CHECKPOINT_INTERVAL_S = 600;

export const ENTERPRISE_OPTIONS: readonly OptionSpec[] = Object.freeze([
  {
    key: 'auditCheckpointInterval',
    env: 'AUDIT_CHECKPOINT_INTERVAL',
    flag: 'audit-checkpoint-interval',
    type: 'int',
    min: 0,
    max: 86_400,
    default: String(DEFAULT_CHECKPOINT_INTERVAL_S),
    only: 'enterprise',
    help: 'seconds between the checkpoints `serve` signs itself (AUDIT_KEY_FILE, a private key) of every audit chain that moved, appended to AUDIT_CHECKPOINT_FILE; 0 = none',
  },
] satisfies OptionSpec[]);

export interface EnterpriseSettings {
  /** Seconds between scheduled checkpoints; 0 = none. */
  readonly auditCheckpointInterval: number;
}

export function enterpriseSettings(config: Config): EnterpriseSettings {
  return Object.freeze({ auditCheckpointInterval: (config.modules.auditCheckpointInterval as number | undefined) ?? DEFAULT_CHECKPOINT_INTERVAL_S });
}
