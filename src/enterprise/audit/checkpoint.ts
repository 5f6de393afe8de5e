// Signed checkpoints of a chain head. Anyone who can write the table can recompute every hash after changing a
// record, so the chain alone cannot show a wholesale rewrite; a checkpoint signed with a key the database never
// holds, stored elsewhere, can: the record it names must still carry the hash it signed.
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import canonicalize from 'canonicalize';
import { readProblem } from '../../config/file-problem.js';
import { ConfigError } from '../../errors.js';

export interface Checkpoint {
  readonly v: 1;
  readonly orgId: string;
  readonly seq: number;
  readonly hash: string;
  readonly at: string;
  /** SHA-256 of the public key (DER), first 16 hex digits: which key to check it with. */
  readonly keyId: string;
  /** Ed25519 signature of the canonical [v, orgId, seq, hash, at], base64. */
  readonly signature: string;
}

export interface AuditKey {
  readonly keyId: string;
  readonly publicKey: KeyObject;
  /** Absent when only a public key was configured: it verifies, it cannot sign. */
  readonly privateKey?: KeyObject;
}

/** Reads AUDIT_KEY_FILE: an Ed25519 private key (signs and verifies) or public key (verifies). */
export function loadAuditKey(file: string): AuditKey {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `AUDIT_KEY_FILE=${file} ${readProblem(err)}; point it at a PEM file made with \`openssl genpkey -algorithm ed25519 -out audit-key.pem\``,
    );
  }
  let privateKey: KeyObject | undefined;
  let publicKey: KeyObject;
  try {
    if (pem.includes('PRIVATE KEY')) {
      privateKey = createPrivateKey(pem);
      publicKey = createPublicKey(privateKey);
    } else {
      publicKey = createPublicKey(pem);
    }
  } catch {
    throw new ConfigError(`AUDIT_KEY_FILE=${file} is not a PEM key; make one with \`openssl genpkey -algorithm ed25519 -out audit-key.pem\``);
  }
  if (publicKey.asymmetricKeyType !== 'ed25519') {
    throw new ConfigError(
      `AUDIT_KEY_FILE=${file} holds a ${publicKey.asymmetricKeyType} key; checkpoints are signed with Ed25519: \`openssl genpkey -algorithm ed25519 -out audit-key.pem\``,
    );
  }
  const keyId = createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
  return privateKey ? { keyId, publicKey, privateKey } : { keyId, publicKey };
}

function signedBytes(c: Pick<Checkpoint, 'v' | 'orgId' | 'seq' | 'hash' | 'at'>): Buffer {
  return Buffer.from(canonicalize([c.v, c.orgId, c.seq, c.hash, c.at])!, 'utf8');
}

export function signCheckpoint(key: AuditKey, head: { orgId: string; seq: number; hash: string }, at = new Date()): Checkpoint {
  if (!key.privateKey) throw new ConfigError('AUDIT_KEY_FILE holds a public key, which only verifies; point it at the private key to sign checkpoints');
  const body = { v: 1 as const, orgId: head.orgId, seq: head.seq, hash: head.hash, at: at.toISOString() };
  return { ...body, keyId: key.keyId, signature: sign(null, signedBytes(body), key.privateKey).toString('base64') };
}

/** Why a checkpoint cannot be trusted (its signature, or the key it names), or undefined when it can. */
export function signatureProblem(key: AuditKey, checkpoint: Checkpoint): string | undefined {
  const { seq } = checkpoint;
  if (checkpoint.keyId !== key.keyId)
    return `the checkpoint of seq ${seq} was signed with key ${checkpoint.keyId}, not the configured key ${key.keyId}; configure the key it was made with`;
  let valid: boolean;
  try {
    valid = verify(null, signedBytes(checkpoint), key.publicKey, Buffer.from(checkpoint.signature, 'base64'));
  } catch {
    valid = false;
  }
  return valid ? undefined : `the checkpoint of seq ${seq} (taken ${checkpoint.at}) has a bad signature: the checkpoint itself was changed`;
}

/** Whether `a` is a later checkpoint of its chain than `b`: further along it, or taken later at the same place. */
export function isNewer(a: Checkpoint, b: Checkpoint | undefined): boolean {
  return b === undefined || a.seq > b.seq || (a.seq === b.seq && a.at > b.at);
}

/** One line of a checkpoint file, or a ConfigError naming the line (never quoting it: the file may be anything). */
export function parseCheckpointLine(line: string, where: string): Checkpoint {
  let c: Partial<Checkpoint>;
  try {
    c = JSON.parse(line) as Partial<Checkpoint>;
  } catch {
    throw new ConfigError(`${where} is not JSON; the file holds one checkpoint a line, as \`audit checkpoint\` prints them`);
  }
  if (
    c === null ||
    typeof c !== 'object' ||
    c.v !== 1 ||
    typeof c.orgId !== 'string' ||
    typeof c.seq !== 'number' ||
    !Number.isSafeInteger(c.seq) ||
    c.seq < 0 ||
    typeof c.hash !== 'string' ||
    typeof c.at !== 'string' ||
    typeof c.keyId !== 'string' ||
    typeof c.signature !== 'string'
  ) {
    throw new ConfigError(
      `${where} is not a checkpoint (it needs v, orgId, seq, hash, at, keyId and signature); the file holds lines printed by \`audit checkpoint\``,
    );
  }
  return c as Checkpoint;
}

/** Parses checkpoints written one JSON object a line, naming the line of a bad one. */
export function parseCheckpoints(text: string, source: string): Checkpoint[] {
  const out: Checkpoint[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() !== '') out.push(parseCheckpointLine(line, `${source}:${i + 1}`));
  });
  return out;
}

export interface UntrustedCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly problem: string;
}

export interface CheckpointLog {
  /** Each organization's newest checkpoint with a good signature. */
  readonly newest: Map<string, Checkpoint>;
  /** Checkpoints whose signature or key is wrong. */
  readonly untrusted: UntrustedCheckpoint[];
  /** Lines that are no checkpoint at all (a line torn by a crash, something else appended), each named by its number. */
  readonly unreadable: string[];
}

/** Keeps the newest trusted checkpoint of each chain from `checkpoints`, and the untrusted ones apart. */
export function newestCheckpoints(
  key: AuditKey,
  checkpoints: Iterable<Checkpoint>,
  into: CheckpointLog = { newest: new Map(), untrusted: [], unreadable: [] },
): CheckpointLog {
  for (const checkpoint of checkpoints) {
    const problem = signatureProblem(key, checkpoint);
    if (problem) into.untrusted.push({ checkpoint, problem });
    else if (isNewer(checkpoint, into.newest.get(checkpoint.orgId))) into.newest.set(checkpoint.orgId, checkpoint);
  }
  return into;
}

/**
 * Reads a checkpoint file a line at a time, keeping each chain's newest trusted checkpoint, so its memory is one
 * checkpoint per organization however long the file has grown; lines that are no checkpoint are listed, not fatal. `option` names the setting in messages; a file not
 * made yet holds none when `missingIsEmpty`.
 */
export async function readCheckpointFile(
  file: string,
  key: AuditKey,
  { option = 'AUDIT_CHECKPOINT_FILE', missingIsEmpty = false }: { option?: string; missingIsEmpty?: boolean } = {},
): Promise<CheckpointLog> {
  const log: CheckpointLog = { newest: new Map(), untrusted: [], unreadable: [] };
  const input = file === '-' ? process.stdin : createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      n += 1;
      if (line.trim() === '') continue;
      let checkpoint: Checkpoint;
      try {
        checkpoint = parseCheckpointLine(line, `${option}=${file} line ${n}`);
      } catch (err) {
        // One bad line does not hide the checkpoints around it; the caller reports it.
        log.unreadable.push((err as Error).message);
        continue;
      }
      newestCheckpoints(key, [checkpoint], log);
    }
  } catch (err) {
    if (missingIsEmpty && (err as NodeJS.ErrnoException).code === 'ENOENT') return log;
    throw new ConfigError(`${option}=${file} ${readProblem(err)}; point it at the file the server appends its checkpoints to (or \`audit checkpoint\` wrote)`);
  } finally {
    lines.close();
  }
  return log;
}
