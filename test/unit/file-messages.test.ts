// Errors about a file an option names say which file and what is wrong with it, and never quote it: pointed at a
// secret (/etc/shadow, a key) by mistake or on purpose, the server must not print the start of it into its logs or
// to whoever reads its output. Each file below starts with a secret the messages must not hold.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointSchedule } from '../../src/enterprise/audit/checkpoint-schedule.js';
import { loadAuditKey, parseCheckpoints, readCheckpointFile, signCheckpoint } from '../../src/enterprise/audit/checkpoint.js';
import { ConfigError } from '../../src/errors.js';
import { createLogger } from '../../src/server/logger.js';
import { createTesting } from '../../src/testing/index.js';
import { startFlagship } from '../../src/testing/start-flagship.js';

const dir = mkdtempSync(path.join(tmpdir(), 'flagship-file-messages-'));
const SECRET = 'root:$6$s3cr3tsalt$hashhashhash:20200:0:99999:7:::';
const shadow = path.join(dir, 'shadow');
writeFileSync(shadow, `${SECRET}\ndaemon:*:20200:0:99999:7:::\n`);
const missing = path.join(dir, 'absent.json');

/** The message of what `act` throws or rejects with. */
async function messageOf(act: () => unknown): Promise<string> {
  try {
    await act();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

function expectNamesNotQuotes(message: string, file: string, problem: RegExp): void {
  expect(message).toContain(file);
  expect(message).toMatch(problem);
  expect(message).not.toContain('root');
  expect(message).not.toContain('s3cr3t');
  expect(message).not.toContain('daemon');
}

describe('messages about files', () => {
  const key = generateKeyPairSync('ed25519');
  const keyFile = path.join(dir, 'key.pem');
  writeFileSync(keyFile, key.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const audit = loadAuditKey(keyFile);

  it('AUDIT_CHECKPOINT_FILE: a file that is not checkpoints is named by file and line, never quoted', async () => {
    // A line that is no checkpoint is listed, by number, and does not hide the good lines around it.
    const read = await readCheckpointFile(shadow, audit);
    expect(read.newest.size).toBe(0);
    expect(read.unreadable).toHaveLength(2);
    for (const problem of read.unreadable) expectNamesNotQuotes(problem, shadow, /line [12] is not JSON/);
    expect(read.unreadable[0]).toMatch(/^AUDIT_CHECKPOINT_FILE=/);
    expectNamesNotQuotes(await messageOf(() => parseCheckpoints(`${SECRET}\n`, shadow)), shadow, /:1 is not JSON/);
    // JSON, but not a checkpoint: still only the line's number.
    const json = path.join(dir, 'object.ndjson');
    writeFileSync(json, `${JSON.stringify(signCheckpoint(audit, { orgId: 'o', seq: 1, hash: 'h' }))}\n{"root":"s3cr3t"}\n`);
    const mixed = await readCheckpointFile(json, audit);
    expect(mixed.newest.get('o')).toMatchObject({ seq: 1 });
    expect(mixed.unreadable).toHaveLength(1);
    expectNamesNotQuotes(mixed.unreadable[0]!, json, /line 2 is not a checkpoint/);
    expectNamesNotQuotes(await messageOf(() => readCheckpointFile(missing, audit)), missing, /does not exist/);
    expectNamesNotQuotes(await messageOf(() => readCheckpointFile(dir, audit)), dir, /is a directory/);
    await expect(readCheckpointFile(missing, audit, { missingIsEmpty: true })).resolves.toEqual({ newest: new Map(), untrusted: [], unreadable: [] });
  });

  it('AUDIT_CHECKPOINT_FILE: `serve` refuses, before it is ready, a file it could not append to', async () => {
    const schedule = (output: string) =>
      new CheckpointSchedule({
        store: () => {
          throw new Error('no database in this test');
        },
        key: audit,
        output,
        intervalMs: 60_000,
        logger: createLogger('silent'),
      });
    const nowhere = path.join(dir, 'no-such-folder', 'checkpoints.ndjson');
    await expect(schedule(nowhere).start()).rejects.toThrow(ConfigError);
    expectNamesNotQuotes(await messageOf(() => schedule(nowhere).start()), nowhere, /is in a folder that does not exist/);
    // A file not made yet, in a folder that takes one, is fine: the first append makes it.
    const later = schedule(path.join(dir, 'later.ndjson'));
    await later.start();
    await later.close();
  });

  it('AUDIT_KEY_FILE: a file that is no key is named, never quoted', async () => {
    expectNamesNotQuotes(await messageOf(() => loadAuditKey(shadow)), shadow, /is not a PEM key/);
    const pemShaped = path.join(dir, 'pem-shaped.pem');
    writeFileSync(pemShaped, `-----BEGIN PRIVATE KEY-----\n${Buffer.from(SECRET).toString('base64')}\n-----END PRIVATE KEY-----\n`);
    expect(await messageOf(() => loadAuditKey(pemShaped))).not.toContain(Buffer.from(SECRET).toString('base64').slice(0, 12));
    expectNamesNotQuotes(await messageOf(() => loadAuditKey(missing)), missing, /does not exist/);
    expect(() => loadAuditKey(shadow)).toThrow(ConfigError);
  });

  it('--seed: a file that is not JSON is named, never quoted, by the server and by startFlagship()', async () => {
    const logger = createLogger('silent');
    const testing = (seed: string) => createTesting({ config: undefined, settings: { testing: true, testingAllowPersistent: false, seed }, logger });
    expectNamesNotQuotes(await messageOf(() => testing(shadow)), shadow, /--seed \S+ is not JSON/);
    expectNamesNotQuotes(await messageOf(() => testing(missing)), missing, /does not exist/);
    expectNamesNotQuotes(await messageOf(() => startFlagship({ seed: shadow })), shadow, /the seed file \S+ is not JSON/);
    expectNamesNotQuotes(await messageOf(() => startFlagship({ seed: missing })), missing, /does not exist/);
  });
});
