// AUDIT_KEY_FILE: an Ed25519 private key signs and verifies, a public key only verifies, anything else is refused
// with the command that makes a right one.
import { generateKeyPairSync } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cachedCheckpointFile } from '../../src/enterprise/audit/checkpoint-file-cache.js';
import { loadAuditKey, parseCheckpoints, signCheckpoint } from '../../src/enterprise/audit/checkpoint.js';
import { ConfigError } from '../../src/errors.js';

const dir = mkdtempSync(path.join(tmpdir(), 'flagship-keys-'));
const file = (name: string, text: string) => {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
};

describe('the audit key', () => {
  const pair = generateKeyPairSync('ed25519');
  const privatePem = file('private.pem', pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  const publicPem = file('public.pem', pair.publicKey.export({ type: 'spki', format: 'pem' }) as string);

  it('signs with the private key; its public half has the same key id and cannot sign', () => {
    const signer = loadAuditKey(privatePem);
    const verifier = loadAuditKey(publicPem);
    expect(verifier.keyId).toBe(signer.keyId);
    const c = signCheckpoint(signer, { orgId: 'o', seq: 3, hash: 'h' });
    expect(c).toMatchObject({ v: 1, orgId: 'o', seq: 3, hash: 'h', keyId: signer.keyId });
    expect(() => signCheckpoint(verifier, { orgId: 'o', seq: 3, hash: 'h' })).toThrow(/public key, which only verifies/);
  });

  it('refuses a missing file, a file that is no key, and a key of another kind', () => {
    expect(() => loadAuditKey(path.join(dir, 'absent.pem'))).toThrow(ConfigError);
    expect(() => loadAuditKey(file('junk.pem', 'not a key'))).toThrow(/is not a PEM key.*openssl genpkey -algorithm ed25519/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(() => loadAuditKey(file('rsa.pem', rsa))).toThrow(/holds a rsa key; checkpoints are signed with Ed25519/);
  });

  it('reads checkpoint files a line each, naming a bad line', () => {
    const good = JSON.stringify(signCheckpoint(loadAuditKey(privatePem), { orgId: 'o', seq: 1, hash: 'h' }));
    expect(parseCheckpoints(`${good}\n\n${good}\n`, 'cp.ndjson')).toHaveLength(2);
    expect(() => parseCheckpoints(`${good}\n{"v":1}\n`, 'cp.ndjson')).toThrow(/cp\.ndjson:2 is not a checkpoint/);
    expect(() => parseCheckpoints('nope', 'cp.ndjson')).toThrow(/cp\.ndjson:1 is not JSON/);
  });
});

describe('the checkpoint file as the verify routes read it', () => {
  const pair = generateKeyPairSync('ed25519');
  const key = loadAuditKey(file('cache-private.pem', pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string));
  const line = (seq: number) => `${JSON.stringify(signCheckpoint(key, { orgId: 'o', seq, hash: `h${seq}` }))}\n`;

  it('is read once while it stays as it was, and read again once it grows or goes', async () => {
    const log = path.join(dir, 'checkpoints.ndjson');
    const read = cachedCheckpointFile(log, key);
    expect((await read()).newest.size).toBe(0);
    writeFileSync(log, line(1));
    const first = await read();
    expect(first.newest.get('o')?.seq).toBe(1);
    // The same file: the same reading, not a second pass over every signature.
    expect(await read()).toBe(first);
    appendFileSync(log, line(2));
    const grown = await read();
    expect(grown).not.toBe(first);
    expect(grown.newest.get('o')?.seq).toBe(2);
    rmSync(log);
    expect((await read()).newest.size).toBe(0);
  });
});
