// What someone with direct access to the database could do with the triggers out of the way (a superuser, the
// file's owner): alter, delete or insert audit records. `audit verify` (CLI and API) names the record; a signed
// checkpoint taken before a wholesale rewrite, which recomputes every hash, exposes the rewrite too.
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import canonicalize from 'canonicalize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashRecord, type AuditRow } from '../../src/enterprise/audit/record.js';
import { Client, newOrg } from '../support/api.js';
import { ENTERPRISE_TARGETS, deployEnterprise, triggersOff, type EnterpriseDeployment } from '../support/enterprise.js';

/** A row as the database hands it over, in the application's shape. */
function asRecord(r: Record<string, unknown>): AuditRow {
  const at = r.at instanceof Date ? r.at : new Date(Number(r.at));
  return {
    id: r.id as string,
    orgId: r.org_id as string,
    seq: Number(r.seq),
    at,
    actorId: r.actor_id as string | null,
    tokenId: r.token_id as string | null,
    action: r.action as string,
    resourceType: r.resource_type as string | null,
    resourceId: r.resource_id as string | null,
    before: r.before as string | null,
    after: r.after as string | null,
    detail: r.detail as string | null,
    requestId: r.request_id as string | null,
    ip: r.ip as string | null,
    userAgent: r.user_agent as string | null,
    prevHash: r.prev_hash as string,
    hash: r.hash as string,
  };
}

describe.each(ENTERPRISE_TARGETS)('tampering with the audit trail on $name', (target) => {
  let deployment: EnterpriseDeployment;
  let owner: Client;
  let orgId: string;
  let keyFile: string;
  let dir: string;
  const q = (s: string) => s.replace(/'/g, "''");

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'flagship-tamper-'));
    keyFile = path.join(dir, 'audit-key.pem');
    // What `openssl genpkey -algorithm ed25519` writes: a PKCS#8 PEM private key.
    writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    deployment = await deployEnterprise(target, { AUDIT_KEY_FILE: keyFile });
    const made = await newOrg(new Client(deployment.server.url), 'tamper');
    owner = made.owner;
    orgId = made.org.id;
    const p = (await owner.post('/v1/projects', { name: 'P', key: 'PPP' })).body.id;
    for (let i = 0; i < 6; i++) await owner.post(`/v1/projects/${p}/tasks`, { title: `t${i}` });
    // A copy to put things back from between cases; then the triggers go, as a superuser could make them.
    await deployment.sql(['CREATE TABLE audit_copy AS SELECT * FROM audit_records', ...triggersOff(target.dialect)]);
  });
  afterAll(async () => {
    await deployment?.stop();
  });

  const restore = () => deployment.sql(['DELETE FROM audit_records', 'INSERT INTO audit_records SELECT * FROM audit_copy']);
  const record = async (seq: number) => asRecord((await deployment.sql([`SELECT * FROM audit_records WHERE org_id = '${orgId}' AND seq = ${seq}`]))[0]!);
  const cli = (env: Record<string, string> = {}) => deployment.run(['audit', 'verify'], env);

  it('an intact log verifies, on the CLI and the API', async () => {
    const { code, stdout } = await cli();
    expect(stdout).toMatch(new RegExp(`ok +org ${orgId}: 8 records, head seq 8`));
    expect(code).toBe(0);
    expect((await owner.get('/v1/audit/verify')).body).toMatchObject({ ok: true, records: 8, head: { seq: 8 } });
  });

  it('an altered record is named, with how it broke', async () => {
    const target5 = await record(5);
    await deployment.sql([`UPDATE audit_records SET after = '${q(target5.after!.replace('t2', 'tX'))}' WHERE id = '${target5.id}'`]);
    const { code, stdout } = await cli();
    expect(code).toBe(1);
    expect(stdout).toContain(`BROKEN org ${orgId}: record seq 5 (id ${target5.id}`);
    expect(stdout).toContain('was altered');
    expect((await owner.get('/v1/audit/verify')).body).toMatchObject({ ok: false, broken: { seq: 5, id: target5.id, problem: 'altered' } });
    await restore();
    expect((await cli()).code).toBe(0);
  });

  it('a deleted record is named by its place in the chain, in the middle and at the end', async () => {
    await deployment.sql([`DELETE FROM audit_records WHERE org_id = '${orgId}' AND seq = 4`]);
    let out = await cli();
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('record seq 4 is missing');
    expect((await owner.get('/v1/audit/verify')).body).toMatchObject({ ok: false, broken: { seq: 4, problem: 'missing' } });
    await restore();
    await deployment.sql([`DELETE FROM audit_records WHERE org_id = '${orgId}' AND seq = 8`]);
    out = await cli();
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('record seq 8 is missing');
    await restore();
    expect((await cli()).code).toBe(0);
  });

  it('an inserted record is named', async () => {
    const last = await record(8);
    const forged = { ...last, id: '00000000-0000-4000-8000-00000000f0f0', seq: 9, action: 'task.delete', prevHash: last.hash };
    // Even hashed correctly it is outside the chain its head describes.
    const hash = hashRecord(forged);
    const at = target.dialect === 'postgres' ? `'${forged.at.toISOString()}'` : String(forged.at.getTime());
    await deployment.sql([
      `INSERT INTO audit_records (id, org_id, seq, at, actor_id, token_id, action, resource_type, resource_id, before, after, detail, request_id, ip, user_agent, prev_hash, hash)
       SELECT '${forged.id}', org_id, 9, ${at}, actor_id, token_id, 'task.delete', resource_type, resource_id, after, NULL, detail, request_id, ip, user_agent, '${last.hash}', '${hash}' FROM audit_records WHERE id = '${last.id}'`,
    ]);
    const { code, stdout } = await cli();
    expect(code).toBe(1);
    expect(stdout).toContain(`record seq 9 (id ${forged.id}`);
    expect((await owner.get('/v1/audit/verify')).body).toMatchObject({ ok: false, broken: { seq: 9, id: forged.id } });
    await restore();
    expect((await cli()).code).toBe(0);
  });

  it('a checkpoint taken before a wholesale rewrite exposes it, though the rewritten chain is consistent', async () => {
    const taken = await deployment.run(['audit', 'checkpoint'], { AUDIT_KEY_FILE: keyFile });
    expect(taken.code).toBe(0);
    const lines = taken.stdout.trim().split('\n');
    const mine = JSON.parse(lines.find((l) => l.includes(orgId))!);
    expect(mine).toMatchObject({ v: 1, orgId, seq: 8, keyId: expect.any(String) });
    const file = path.join(dir, 'checkpoints.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const withCheckpoints = { AUDIT_KEY_FILE: keyFile, AUDIT_CHECKPOINT_FILE: file };
    expect((await cli(withCheckpoints)).code).toBe(0);

    // The API's checkpoint is signed by the same key, over the canonical [v, orgId, seq, hash, at].
    const api = (await owner.get('/v1/audit/checkpoint')).body;
    const publicKey = createPublicKey(readFileSync(keyFile, 'utf8'));
    expect(verify(null, Buffer.from(canonicalize([api.v, api.orgId, api.seq, api.hash, api.at])!), publicKey, Buffer.from(api.signature, 'base64'))).toBe(true);

    // Rewrite record 3 and re-hash it and everything after it, as someone who knows the algorithm would.
    let prev = (await record(2)).hash;
    const statements: string[] = [];
    for (let seq = 3; seq <= 8; seq++) {
      const r = await record(seq);
      const changed = { ...r, after: seq === 3 ? r.after!.replace('"t0"', '"rewritten"') : r.after, prevHash: prev };
      changed.hash = hashRecord(changed);
      statements.push(
        `UPDATE audit_records SET after = '${q(changed.after!)}', prev_hash = '${changed.prevHash}', hash = '${changed.hash}' WHERE id = '${r.id}'`,
      );
      prev = changed.hash;
    }
    statements.push(`UPDATE audit_heads SET hash = '${prev}' WHERE org_id = '${orgId}'`);
    await deployment.sql(statements);

    const chainOnly = await cli();
    expect(chainOnly.stdout).toMatch(new RegExp(`ok +org ${orgId}: 8 records`));
    const checked = await cli(withCheckpoints);
    expect(checked.code).toBe(1);
    expect(checked.stdout).toContain(`BROKEN checkpoint org ${orgId} seq 8: record seq 8`);
    expect(checked.stdout).toContain('rewritten after the checkpoint');

    // A checkpoint edited to match the rewrite fails its signature.
    writeFileSync(file, `${JSON.stringify({ ...mine, hash: prev })}\n`);
    expect((await cli(withCheckpoints)).stdout).toContain('bad signature');
  });
});
