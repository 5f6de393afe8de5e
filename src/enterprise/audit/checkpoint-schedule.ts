// Checkpoints the server takes itself, every AUDIT_CHECKPOINT_INTERVAL seconds: each chain whose head moved since its
// last checkpoint is checked from that checkpoint on (the record it signed must still carry its hash, everything
// after must chain from it), then its new head is signed and written outside the database, appended to
// AUDIT_CHECKPOINT_FILE as one JSON line, or to stdout when the file is `-`. A chain that fails gets no checkpoint
// and an error in the log naming the organization and the seq. Nothing of this runs on the write path.
import { constants } from 'node:fs';
import { access, appendFile } from 'node:fs/promises';
import path from 'node:path';
import { writeProblem } from '../../config/file-problem.js';
import { ConfigError } from '../../errors.js';
import type { Logger } from '../../server/logger.js';
import type { AuditStore } from './chain.js';
import { isNewer, readCheckpointFile, signCheckpoint, type AuditKey, type Checkpoint } from './checkpoint.js';
import { chainOrgs, verifyChain, type ChainReport } from './verify.js';

export interface CheckpointScheduleOptions {
  readonly store: () => AuditStore;
  readonly key: AuditKey;
  /** A file to append to, or '-' for stdout. */
  readonly output: string;
  readonly intervalMs: number;
  readonly logger: Logger;
}

export class CheckpointSchedule {
  readonly #options: CheckpointScheduleOptions;
  /** Each chain's newest checkpoint, taken here or read back from the file at the first round. */
  readonly #newest = new Map<string, Checkpoint>();
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<Checkpoint[]> | undefined;
  #loaded = false;
  #closed = false;

  constructor(options: CheckpointScheduleOptions) {
    if (!options.key.privateKey) throw new Error('scheduled checkpoints need a private key');
    this.#options = options;
  }

  /** Refuses, before the server is ready, a checkpoint file it could not append to; then starts the schedule. */
  async start(): Promise<void> {
    const { output } = this.#options;
    if (output !== '-') {
      try {
        await access(output, constants.W_OK);
      } catch (err) {
        const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
        // A file not made yet is made by the first append, if its folder takes one.
        if (!missing) throw new ConfigError(`AUDIT_CHECKPOINT_FILE=${output} ${writeProblem(err)}; the server appends its checkpoints to it`);
        try {
          await access(path.dirname(output), constants.W_OK);
        } catch (dirErr) {
          throw new ConfigError(`AUDIT_CHECKPOINT_FILE=${output} is in a folder that ${writeProblem(dirErr)}; the server appends its checkpoints to it`);
        }
      }
    }
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setInterval(
      () => void this.take().catch((err: unknown) => this.#options.logger.error({ err }, 'audit checkpoint round failed')),
      this.#options.intervalMs,
    );
    this.#timer.unref();
  }

  /** The newest checkpoint of an organization's chain that this server knows of. */
  newest(orgId: string): Checkpoint | undefined {
    return this.#newest.get(orgId);
  }

  /** One round now (rounds never overlap): the checkpoints written. */
  async take(): Promise<Checkpoint[]> {
    while (this.#round) await this.#round.catch(() => undefined);
    if (this.#closed) return [];
    this.#round = this.#take();
    try {
      return await this.#round;
    } finally {
      this.#round = undefined;
    }
  }

  async #take(): Promise<Checkpoint[]> {
    const { key, output, logger } = this.#options;
    const store = this.#options.store();
    if (!this.#loaded && output !== '-') {
      // After a restart, go on from the newest checkpoint the file holds, so a chain cut while the server was down
      // is refused a new checkpoint. A file not made yet holds none.
      const { newest, unreadable } = await readCheckpointFile(output, key, { missingIsEmpty: true });
      for (const problem of unreadable) logger.warn(`audit checkpoint file: ${problem}`);
      for (const c of newest.values()) if (isNewer(c, this.#newest.get(c.orgId))) this.#newest.set(c.orgId, c);
    }
    this.#loaded = true;
    const h = store.tables.auditHeads;
    const heads = await store.db.read((q) => q.select().from(h));
    const { known } = await chainOrgs(store, this.#newest.keys());
    const taken: Checkpoint[] = [];
    const seen = new Set<string>();
    for (const head of heads) {
      seen.add(head.orgId);
      const last = this.#newest.get(head.orgId);
      if (last && last.seq === head.seq && last.hash === head.hash) continue;
      const report = await verifyChain(store, head.orgId, { from: last, checkpoint: last, mustExist: known.has(head.orgId) });
      if (report.broken) {
        this.#refuse(report);
        continue;
      }
      const checkpoint = signCheckpoint(key, { orgId: head.orgId, ...report.head });
      await this.#write(checkpoint);
      this.#newest.set(head.orgId, checkpoint);
      taken.push(checkpoint);
    }
    // A chain checkpointed before whose head is gone: erased. Say so each round until someone looks.
    for (const orgId of this.#newest.keys()) {
      if (!seen.has(orgId)) this.#refuse(await verifyChain(store, orgId, { checkpoint: this.#newest.get(orgId), mustExist: true }));
    }
    if (taken.length > 0) logger.debug({ checkpoints: taken.length }, 'audit checkpoints written');
    return taken;
  }

  #refuse(report: ChainReport): void {
    if (!report.broken) return;
    this.#options.logger.error(
      { orgId: report.orgId, seq: report.broken.seq, problem: report.broken.problem },
      `audit chain of org ${report.orgId} is broken at seq ${report.broken.seq}, so no checkpoint is signed: ${report.broken.message}`,
    );
  }

  async #write(checkpoint: Checkpoint): Promise<void> {
    const line = `${JSON.stringify(checkpoint)}\n`;
    // One write of one line with O_APPEND: several servers may append to the same file without tearing lines.
    if (this.#options.output === '-') process.stdout.write(line);
    else await appendFile(this.#options.output, line, { mode: 0o640 });
  }

  /** Stops the schedule; a round under way finishes first. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#round?.catch(() => undefined);
  }
}
