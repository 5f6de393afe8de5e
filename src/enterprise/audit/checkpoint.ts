// Signed checkpoints of a chain head. Anyone who can write the table can recompute every hash after changing a
// record, so the chain alone cannot show a wholesale rewrite; a checkpoint signed with a key the database never
// holds, stored elsewhere, can: the record it names must still carry the hash it signed.
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { and, eq } from 'drizzle-orm';
import canonicalize from 'canonicalize';
import { ConfigError } from '../../errors.js';
import type { AuditStore } from './chain.js';

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
      `AUDIT_KEY_FILE=${file} cannot be read (${(err as Error).message}); point it at a PEM file made with \`openssl genpkey -algorithm ed25519 -out audit-key.pem\``,
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
  } catch (err) {
    throw new ConfigError(
      `AUDIT_KEY_FILE=${file} is not a PEM key (${(err as Error).message}); make one with \`openssl genpkey -algorithm ed25519 -out audit-key.pem\``,
    );
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

export interface CheckpointResult {
  readonly ok: boolean;
  readonly orgId: string;
  readonly seq: number;
  readonly message: string;
}

/** Checks a checkpoint's signature, then that the record it names still carries the hash it signed. */
export async function checkCheckpoint(store: AuditStore, key: AuditKey, checkpoint: Checkpoint): Promise<CheckpointResult> {
  const { orgId, seq } = checkpoint;
  const fail = (message: string): CheckpointResult => ({ ok: false, orgId, seq, message });
  if (checkpoint.keyId !== key.keyId)
    return fail(
      `the checkpoint of seq ${seq} was signed with key ${checkpoint.keyId}, not the configured key ${key.keyId}; configure the key it was made with`,
    );
  let valid: boolean;
  try {
    valid = verify(null, signedBytes(checkpoint), key.publicKey, Buffer.from(checkpoint.signature, 'base64'));
  } catch {
    valid = false;
  }
  if (!valid) return fail(`the checkpoint of seq ${seq} (taken ${checkpoint.at}) has a bad signature: the checkpoint itself was changed`);
  if (seq === 0) return { ok: true, orgId, seq, message: 'checkpoint of an empty chain' };
  const a = store.tables.auditRecords;
  const [row] = await store.db.read((q) =>
    q
      .select({ id: a.id, hash: a.hash })
      .from(a)
      .where(and(eq(a.orgId, orgId), eq(a.seq, seq))),
  );
  if (!row) return fail(`record seq ${seq}, which the checkpoint taken ${checkpoint.at} covers, is gone: the log was cut or rewritten after the checkpoint`);
  if (row.hash !== checkpoint.hash) {
    return fail(
      `record seq ${seq} (id ${row.id}) has hash ${row.hash.slice(0, 16)}..., but the checkpoint taken ${checkpoint.at} signed ${checkpoint.hash.slice(0, 16)}...: the log was rewritten after the checkpoint`,
    );
  }
  return { ok: true, orgId, seq, message: `record seq ${seq} still carries the hash signed at ${checkpoint.at}` };
}

/** Parses checkpoints written one JSON object a line, naming the line of a bad one. */
export function parseCheckpoints(text: string, source: string): Checkpoint[] {
  const out: Checkpoint[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let c: Partial<Checkpoint>;
    try {
      c = JSON.parse(line) as Partial<Checkpoint>;
    } catch (err) {
      throw new ConfigError(
        `${source}:${i + 1} is not JSON (${(err as Error).message}); the file holds one checkpoint a line, as \`audit checkpoint\` prints them`,
      );
    }
    if (
      c.v !== 1 ||
      typeof c.orgId !== 'string' ||
      typeof c.seq !== 'number' ||
      typeof c.hash !== 'string' ||
      typeof c.at !== 'string' ||
      typeof c.keyId !== 'string' ||
      typeof c.signature !== 'string'
    ) {
      throw new ConfigError(
        `${source}:${i + 1} is not a checkpoint (it needs v, orgId, seq, hash, at, keyId and signature); the file holds lines printed by \`audit checkpoint\``,
      );
    }
    out.push(c as Checkpoint);
  });
  return out;
}
