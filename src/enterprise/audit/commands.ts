// `server.mjs audit verify` and `server.mjs audit checkpoint`: the same checks as the API, for operators and cron.
import type { Database } from '../../db/database.js';
import { ConfigError } from '../../errors.js';
import type { CommandContext, FeatureCommand } from '../../features/feature.js';
import type { EnterpriseSettings } from '../options.js';
import type { EnterpriseTables } from '../tables.js';
import { loadAuditKey, readCheckpointFile, signCheckpoint, type Checkpoint } from './checkpoint.js';
import { verifyEveryChain } from './verify.js';

const label = (orgId: string) => (orgId === '' ? 'no organization (refused unknown tokens)' : `org ${orgId}`);

async function verifyCommand(ctx: CommandContext, settings: EnterpriseSettings, db: Database, tables: EnterpriseTables): Promise<number> {
  const store = { db, tables };
  let broken = 0;
  let checkpoints = new Map<string, Checkpoint>();
  const file = settings.auditCheckpointFile;
  if (file !== undefined) {
    if (settings.auditKeyFile === undefined)
      throw new ConfigError('AUDIT_CHECKPOINT_FILE needs AUDIT_KEY_FILE, the key the checkpoints were signed with (its public half is enough)');
    const log = await readCheckpointFile(file, loadAuditKey(settings.auditKeyFile));
    for (const problem of log.unreadable) {
      broken += 1;
      ctx.stdout(`BROKEN ${problem}\n`);
    }
    for (const { checkpoint, problem } of log.untrusted) {
      broken += 1;
      ctx.stdout(`BROKEN checkpoint ${label(checkpoint.orgId)} seq ${checkpoint.seq}: ${problem}\n`);
    }
    checkpoints = log.newest;
  }
  // Every organization that exists or that a checkpoint names is walked, so an erased chain is named, not skipped.
  for await (const report of verifyEveryChain(store, checkpoints)) {
    if (report.broken) {
      broken += 1;
      ctx.stdout(`BROKEN ${label(report.orgId)}: ${report.broken.message}\n`);
    } else {
      const held = report.checkpoint ? `, holds the checkpoint of seq ${report.checkpoint.seq} taken ${report.checkpoint.at}` : '';
      ctx.stdout(`ok     ${label(report.orgId)}: ${report.records} records, head seq ${report.head.seq} ${report.head.hash}${held}\n`);
    }
  }
  ctx.stdout(broken === 0 ? 'audit trail verified\n' : `audit trail BROKEN in ${broken} place(s)\n`);
  return broken === 0 ? 0 : 1;
}

async function checkpointCommand(ctx: CommandContext, settings: EnterpriseSettings, db: Database, tables: EnterpriseTables): Promise<number> {
  if (settings.auditKeyFile === undefined)
    throw new ConfigError(
      '`audit checkpoint` signs with AUDIT_KEY_FILE; set it to an Ed25519 private key (`openssl genpkey -algorithm ed25519 -out audit-key.pem`)',
    );
  const key = loadAuditKey(settings.auditKeyFile);
  const store = { db, tables };
  let refused = 0;
  // A chain cut back behind its last checkpoint gets no new one that would paper over the cut.
  const file = settings.auditCheckpointFile;
  const held = file === undefined || file === '-' ? undefined : (await readCheckpointFile(file, key, { missingIsEmpty: true })).newest;
  for await (const report of verifyEveryChain(store, held)) {
    if (report.broken) {
      // A checkpoint vouches for the chain it signs: a broken one gets none.
      refused += 1;
      process.stderr.write(`flagship: no checkpoint for ${label(report.orgId)}: ${report.broken.message}\n`);
      continue;
    }
    ctx.stdout(`${JSON.stringify(signCheckpoint(key, { orgId: report.orgId, ...report.head }))}\n`);
  }
  return refused === 0 ? 0 : 1;
}

export function auditCommand(tables: () => Promise<EnterpriseTables>, settings: EnterpriseSettings): FeatureCommand {
  return {
    name: 'audit',
    help: [
      'audit verify      recheck every audit hash chain, each held to its newest signed checkpoint in AUDIT_CHECKPOINT_FILE;',
      '                  names the organization and the seq where a chain broke; exit 1 when anything is broken',
      'audit checkpoint  print a signed checkpoint of each chain head, one JSON line each (AUDIT_KEY_FILE);',
      '                  append them to a file kept outside the database',
    ],
    async run(ctx) {
      const sub = ctx.args[0];
      if (ctx.args.length !== 1 || (sub !== 'verify' && sub !== 'checkpoint')) {
        throw new ConfigError(`\`audit\` takes one of: verify, checkpoint (got "${ctx.args.join(' ')}"); see --help`);
      }
      const db = await ctx.openDatabase();
      try {
        return sub === 'verify' ? await verifyCommand(ctx, settings, db, await tables()) : await checkpointCommand(ctx, settings, db, await tables());
      } finally {
        await db.close();
      }
    },
  };
}
