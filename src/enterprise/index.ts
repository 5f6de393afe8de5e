// Enterprise: custom roles with inheritance and project grants (RBAC), and a tamper-evident audit trail
// (docs/architecture.md). Compiled into builds with `enterprise: true`, on either dialect; it plugs into the core
// only through the Feature seam: its permissions, schema, authorizer, change recorder, security events, its Fastify
// plugin (routes, request hook, health facts; plugin.ts) and the `audit` command.
import type { Database } from '../db/database.js';
import type { Feature, FeatureFactory } from '../features/feature.js';
import type { Logger } from '../server/logger.js';
import { appenderFor, type AuditStore } from './audit/chain.js';
import { auditCommand } from './audit/commands.js';
import { isNewer, loadAuditKey, type AuditKey, type Checkpoint } from './audit/checkpoint.js';
import { cachedCheckpointFile } from './audit/checkpoint-file-cache.js';
import { CheckpointSchedule } from './audit/checkpoint-schedule.js';
import { auditRecorder } from './audit/recorder.js';
import { CheckpointsUnreadableError } from './audit/errors.js';
import type { EnterpriseSettings } from './options.js';
import { enterprisePlugin } from './plugin.js';
import { ENTERPRISE_PERMISSIONS } from './permissions.js';
import { RbacAuthorizer } from './rbac/authorizer.js';
import { versionRowFreshness, type Freshness } from './rbac/freshness.js';
import type { RbacStore } from './rbac/store.js';
import { enterpriseSchema, type EnterpriseSchema } from './tables.js';

/**
 * LISTEN/NOTIFY or data_version where the database has it (each dialect's part only in builds that carry the
 * dialect), else the version row.
 */
async function freshnessFor(store: RbacStore, logger: Logger): Promise<Freshness> {
  const { db } = store;
  if (__DIALECT_POSTGRES__ && db.notifications) {
    const { listenFreshness } = await import('./rbac/postgres/listen-freshness.js');
    return listenFreshness(store, db.notifications, logger);
  }
  if (__DIALECT_SQLITE__ && db.dataVersion) {
    const { dataVersionFreshness } = await import('./rbac/sqlite/data-version-freshness.js');
    return dataVersionFreshness(store, db.dataVersion);
  }
  return versionRowFreshness(store);
}

/** How the RBAC cache learns of other instances' changes, for /healthz. */
function rbacCacheKind(db: Database): string {
  if (db.notifications) return 'listen-notify';
  return db.dataVersion ? 'data-version' : 'version-row';
}

/** The newest checkpoint of an organization's chain: the one this server took last, or a newer one in the file. */
function newestCheckpoint(key: AuditKey | undefined, file: string | undefined, schedule: CheckpointSchedule | undefined, logger: Logger) {
  const fileLog = key && file !== undefined && file !== '-' ? cachedCheckpointFile(file, key) : undefined;
  return async (orgId: string): Promise<Checkpoint | undefined> => {
    let newest = schedule?.newest(orgId);
    if (fileLog) {
      try {
        const fromFile = (await fileLog()).newest.get(orgId);
        if (fromFile && isNewer(fromFile, newest)) newest = fromFile;
      } catch (err) {
        // The file's path and problem are the operator's to see, not a tenant's.
        logger.error({ err }, 'the audit checkpoint file cannot be read');
        throw new CheckpointsUnreadableError();
      }
    }
    return newest;
  };
}

/** Without configuration (--version, --help): no key, no checkpoints. */
const UNCONFIGURED: EnterpriseSettings = Object.freeze({ auditKeyFile: undefined, auditCheckpointFile: undefined, auditCheckpointInterval: 0 });

export const createEnterprise: FeatureFactory<EnterpriseSettings> = async (ctx): Promise<Feature> => {
  const { config, logger } = ctx;
  const settings = ctx.settings ?? UNCONFIGURED;
  // Loaded for the configured dialect only; --version and --help run without configuration and need no tables.
  const schema: EnterpriseSchema | undefined = config ? await enterpriseSchema(config.database.dialect) : undefined;
  // A bad key stops the server at start, like any other bad configuration.
  const key = settings.auditKeyFile === undefined ? undefined : loadAuditKey(settings.auditKeyFile);
  const interval = settings.auditCheckpointInterval;
  const output = settings.auditCheckpointFile;
  let schedule: CheckpointSchedule | undefined;
  const tables = () => {
    if (!schema) throw new Error('the enterprise module was loaded without configuration');
    return schema.tables;
  };
  let authorizer: RbacAuthorizer | undefined;
  let recorder: ReturnType<typeof auditRecorder> | undefined;
  const rbacStore = (db: Database, permissions: RbacStore['permissions']): RbacStore => ({ db, tables: tables(), permissions });
  const appendRecord = config ? await appenderFor(config.database.dialect) : undefined;
  const auditStore = (db: Database): AuditStore => ({ db, tables: tables(), appendRecord });
  const audit = (db: Database) => (recorder ??= auditRecorder(auditStore(db)));
  let served: Database | undefined;
  if (key?.privateKey && interval > 0 && output !== undefined) {
    schedule = new CheckpointSchedule({ store: () => auditStore(served!), key, output, intervalMs: interval * 1000, logger });
  }

  return {
    name: 'enterprise',
    summary: `custom roles with inheritance and project grants; hash-chained, append-only audit trail${key?.privateKey ? ' with signed checkpoints' : ''}`,
    permissions: ENTERPRISE_PERMISSIONS,
    commands: [auditCommand(async () => tables(), settings)],
    async migrations(dialect) {
      return (await enterpriseSchema(dialect)).migrations();
    },
    authorizer(db, permissions) {
      const store = rbacStore(db, permissions);
      authorizer = new RbacAuthorizer(store, freshnessFor(store, logger));
      return authorizer;
    },
    changeRecorder: audit,
    securityEvents: audit,
    plugin: enterprisePlugin({
      rbacStore,
      auditStore,
      // Roles and grants changed on this instance are enforced here at once, before any notification arrives.
      changed: async (orgId) => authorizer?.changed(orgId),
      requestStarted: () => authorizer?.requestStarted(),
      key,
      newestCheckpoint: newestCheckpoint(key, output, schedule, logger),
      health: async () => ({
        rbacCache: authorizer ? rbacCacheKind(authorizer.store.db) : 'not started',
        checkpoints: key?.privateKey ? 'signing' : key ? 'verify-only' : 'no key',
        checkpointSchedule: schedule ? `every ${interval} s` : 'off',
      }),
    }),
    async ready(domain) {
      served = domain.db;
      if (schedule) await schedule.start();
      else if (key?.privateKey && interval > 0)
        logger.warn('audit checkpoints are not scheduled: set AUDIT_CHECKPOINT_FILE to a file (or `-` for stdout) to have them written');
      return undefined;
    },
    async close() {
      await schedule?.close();
      await authorizer?.close();
    },
  };
};
