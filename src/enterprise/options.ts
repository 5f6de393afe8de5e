// The options the enterprise module owns and the typed settings made of them. The core shows them in --help and the
// README table and validates them at start with its own (the loader hands this declaration over); the module gets
// its settings back, typed, from the loader.
import type { ModuleOptions, OptionValues } from '../config/module-options.js';
import type { OptionSpec } from '../config/options.js';

const DEFAULT_CHECKPOINT_INTERVAL_S = 600;

export const ENTERPRISE_OPTIONS: readonly OptionSpec[] = Object.freeze([
  {
    key: 'auditKeyFile',
    env: 'AUDIT_KEY_FILE',
    flag: 'audit-key-file',
    type: 'string',
    only: 'enterprise',
    help: 'PEM file of an Ed25519 key: a private key signs audit checkpoints and verifies them, a public key only verifies (`openssl genpkey -algorithm ed25519 -out audit-key.pem`)',
  },
  {
    key: 'auditCheckpointFile',
    env: 'AUDIT_CHECKPOINT_FILE',
    flag: 'audit-checkpoint-file',
    type: 'string',
    only: 'enterprise',
    help: 'where `serve` appends the signed checkpoints it takes every AUDIT_CHECKPOINT_INTERVAL (`-` = stdout), one JSON object a line; `audit verify` holds each chain to the newest one in it (`-` = stdin)',
  },
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
  /** PEM file of the Ed25519 key that signs (private) or only verifies (public) checkpoints. */
  readonly auditKeyFile: string | undefined;
  /** Where checkpoints are appended and read back (`-` = stdout / stdin). */
  readonly auditCheckpointFile: string | undefined;
  /** Seconds between scheduled checkpoints; 0 = none. */
  readonly auditCheckpointInterval: number;
}

function enterpriseSettings(values: OptionValues): EnterpriseSettings {
  return Object.freeze({
    auditKeyFile: values.string('auditKeyFile'),
    auditCheckpointFile: values.string('auditCheckpointFile'),
    auditCheckpointInterval: values.int('auditCheckpointInterval'),
  });
}

export const enterpriseOptions: ModuleOptions<EnterpriseSettings> = Object.freeze({
  module: 'enterprise',
  options: ENTERPRISE_OPTIONS,
  settings: enterpriseSettings,
});
