// What someone with direct access to the database could do to the audit trail. With the triggers in place the chain
// head only moves forward to a record that exists. With them out of the way (a superuser, the file's owner): alter,
// delete or insert records, cut the end and move the head back, erase an organization's chain, roll back and append
// again. `audit verify` (CLI and API) names the organization and the seq of each, holding every chain to the newest
// checkpoint the server signed itself on its schedule and wrote outside the database.
import { spawn } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import canonicalize from 'canonicalize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashRecord, type AuditRow } from '../../src/enterprise/audit/record.js';
import { Client, newOrg } from '../support/api.js';
import { ENTERPRISE_TARGETS, deployEnterprise, triggersOff, type EnterpriseDeployment } from '../support/enterprise.js';
import { waitFor } from '../support/wait.js';

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
  let bystander: string;
  let keyFile: string;
  let checkpointFile: string;
  let noCheckpoints: string;
  let dir: string;
  const q = (s: string) => s.replace(/'/g, "''");

  /** The server's own checkpoints of `org`, as it appended them to its file. */
  const checkpointsOf = (org: string) =>
    (existsSync(checkpointFile) ? readFileSync(checkpointFile, 'utf8') : '')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { orgId: string; seq: number; hash: string })
      .filter((c) => c.orgId === org);
  /** Waits, with a deadline, until the server has checkpointed `org` at `seq`. */
  const checkpointed = async (org: string, seq: number) => {
    await waitFor(
      `a checkpoint of ${org} at seq ${seq}`,
      () => checkpointsOf(org).some((c) => c.seq === seq),
      30_000,
      100,
      () => deployment.server.output.slice(-20).join('\n'),
    );
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'flagship-tamper-'));
    keyFile = path.join(dir, 'audit-key.pem');
    checkpointFile = path.join(dir, 'checkpoints.ndjson');
    noCheckpoints = path.join(dir, 'none.ndjson');
    writeFileSync(noCheckpoints, '');
    // What `openssl genpkey -algorithm ed25519` writes: a PKCS#8 PEM private key.
    writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    deployment = await deployEnterprise(
      target,
      { AUDIT_KEY_FILE: keyFile, AUDIT_CHECKPOINT_FILE: checkpointFile, AUDIT_CHECKPOINT_INTERVAL: '1' },
      { as: 'process' },
    );
    const made = await newOrg(deployment.server.client, 'tamper');
    owner = made.owner;
    orgId = made.org.id;
    bystander = (await newOrg(deployment.server.client, 'bystander')).org.id;
    const p = (await owner.post('/v1/projects', { name: 'P', key: 'PPP' })).body.id;
    for (let i = 0; i < 6; i++) await owner.post(`/v1/projects/${p}/tasks`, { title: `t${i}` });
    // The server signs the chain's head itself, on its schedule, into the file.
    await checkpointed(orgId, 8);
    await checkpointed(bystander, 1);
  });
  afterAll(async () => {
    await deployment?.stop();
  });

  const record = async (seq: number) => asRecord((await deployment.sql([`SELECT * FROM audit_records WHERE org_id = '${orgId}' AND seq = ${seq}`]))[0]!);
  /** `audit verify` holding each chain to the server's checkpoints, or (`chainOnly`) to none. */
  const cli = (env: Record<string, string> = {}) => deployment.run(['audit', 'verify'], env);
  const chainOnly = () => cli({ AUDIT_CHECKPOINT_FILE: noCheckpoints });
  const api = async () => (await owner.get('/v1/audit/verify')).body;

  it('with the triggers in place, the head only moves forward, to a record that exists, and is never removed', async () => {
    const six = await record(6);
    // Back to a record that exists, with its true hash: the cut that would hide the records after it.
    await expect(deployment.sql([`UPDATE audit_heads SET seq = 6, hash = '${six.hash}' WHERE org_id = '${orgId}'`])).rejects.toThrow(/only moves forward/);
    // Forward to a record that does not exist, or to one that does with a hash it does not carry.
    await expect(deployment.sql([`UPDATE audit_heads SET seq = 9, hash = '${six.hash}' WHERE org_id = '${orgId}'`])).rejects.toThrow(/only name a record/);
    await expect(deployment.sql([`UPDATE audit_heads SET hash = '${six.hash}' WHERE org_id = '${orgId}'`])).rejects.toThrow(/only moves forward/);
    await expect(deployment.sql([`DELETE FROM audit_heads WHERE org_id = '${orgId}'`])).rejects.toThrow(/never removed/);
    await expect(deployment.sql([`UPDATE audit_heads SET org_id = 'elsewhere' WHERE org_id = '${orgId}'`])).rejects.toThrow(/belongs to one organization/);
    await expect(deployment.sql([`INSERT INTO audit_heads (org_id, seq, hash) VALUES ('fresh', 3, '${six.hash}')`])).rejects.toThrow(/starts at seq 0/);
    if (target.dialect === 'postgres') {
      await expect(deployment.sql(['TRUNCATE audit_heads'])).rejects.toThrow(/never removed/);
    } else {
      // REPLACE deletes the row it conflicts with without the DELETE trigger: a head reset, or a record swapped.
      await deployment.sql([`INSERT OR REPLACE INTO audit_heads (org_id, seq, hash) VALUES ('${orgId}', 0, '${'0'.repeat(64)}')`]);
      await expect(
        deployment.sql([
          `INSERT OR REPLACE INTO audit_records SELECT id, org_id, seq, at, actor_id, token_id, 'task.delete', resource_type, resource_id, before, after, detail, request_id, ip, user_agent, prev_hash, hash FROM audit_records WHERE org_id = '${orgId}' AND seq = 6`,
        ]),
      ).rejects.toThrow(/append-only/);
    }
    const [head] = await deployment.sql([`SELECT seq, hash FROM audit_heads WHERE org_id = '${orgId}'`]);
    expect({ seq: Number(head!.seq), hash: head!.hash }).toEqual({ seq: 8, hash: (await record(8)).hash });
    expect((await cli()).code).toBe(0);
  });

  describe('with the triggers out of the way, as a superuser could', () => {
    beforeAll(async () => {
      // Copies to put things back from between cases; then the triggers go.
      await deployment.sql([
        'CREATE TABLE audit_copy AS SELECT * FROM audit_records',
        'CREATE TABLE heads_copy AS SELECT * FROM audit_heads',
        ...triggersOff(target.dialect),
      ]);
    });
    const restore = async () => {
      await deployment.sql([
        'DELETE FROM audit_records',
        'INSERT INTO audit_records SELECT * FROM audit_copy',
        'DELETE FROM audit_heads',
        'INSERT INTO audit_heads SELECT * FROM heads_copy',
      ]);
      expect((await cli()).code).toBe(0);
    };

    it('an intact log verifies against the checkpoints, on the CLI and the API', async () => {
      const { code, stdout } = await cli();
      expect(stdout).toMatch(new RegExp(`ok +org ${orgId}: 8 records, head seq 8 [0-9a-f]{64}, holds the checkpoint of seq 8`));
      expect(stdout).toMatch(new RegExp(`ok +org ${bystander}: 1 records`));
      expect(code).toBe(0);
      expect(await api()).toMatchObject({ ok: true, records: 8, head: { seq: 8 }, checkpoint: { seq: 8 } });

      // A line torn by a crash is reported by its number, and the checkpoints around it still count.
      const torn = path.join(dir, 'torn.ndjson');
      writeFileSync(torn, `${readFileSync(checkpointFile, 'utf8')}{"v":1,"orgId":"${orgId}","se\n`);
      const withTorn = await cli({ AUDIT_CHECKPOINT_FILE: torn });
      expect(withTorn.code).toBe(1);
      expect(withTorn.stdout).toMatch(/BROKEN AUDIT_CHECKPOINT_FILE=\S+ line \d+ is not JSON/);
      expect(withTorn.stdout).toMatch(new RegExp(`ok +org ${orgId}: 8 records, head seq 8 [0-9a-f]{64}, holds the checkpoint of seq 8`));
    });

    it('an edited record is named, with how it broke', async () => {
      const target5 = await record(5);
      await deployment.sql([`UPDATE audit_records SET after = '${q(target5.after!.replace('t2', 'tX'))}' WHERE id = '${target5.id}'`]);
      const { code, stdout } = await cli();
      expect(code).toBe(1);
      expect(stdout).toContain(`BROKEN org ${orgId}: record seq 5 (id ${target5.id}`);
      expect(stdout).toContain('was altered');
      expect(await api()).toMatchObject({ ok: false, orgId, broken: { seq: 5, id: target5.id, problem: 'altered' } });
      await restore();
    });

    it('a record deleted from the middle is named by its place in the chain', async () => {
      await deployment.sql([`DELETE FROM audit_records WHERE org_id = '${orgId}' AND seq = 4`]);
      const { code, stdout } = await cli();
      expect(code).toBe(1);
      expect(stdout).toContain(`BROKEN org ${orgId}: record seq 4 is missing`);
      expect(await api()).toMatchObject({ ok: false, orgId, broken: { seq: 4, problem: 'missing' } });
      await restore();
    });

    it('records deleted from the end are named, whether the head stayed or was moved back with them', async () => {
      await deployment.sql([`DELETE FROM audit_records WHERE org_id = '${orgId}' AND seq >= 7`]);
      let out = await cli();
      expect(out.code).toBe(1);
      expect(out.stdout).toContain(`BROKEN org ${orgId}: record seq 7 is missing`);

      // The head moved back to the new last record: the chain is consistent again, only the checkpoint knows.
      await deployment.sql([`UPDATE audit_heads SET seq = 6, hash = '${(await record(6)).hash}' WHERE org_id = '${orgId}'`]);
      expect((await chainOnly()).code).toBe(0);
      out = await cli();
      expect(out.code).toBe(1);
      expect(out.stdout).toMatch(
        new RegExp(
          `BROKEN org ${orgId}: the chain ends at seq 6, but the checkpoint taken \\S+ covers seq 8: records seq 7 to 8 were removed and the head moved back`,
        ),
      );
      expect(await api()).toMatchObject({ ok: false, orgId, records: 6, broken: { seq: 7, problem: 'behind-checkpoint' } });
      await restore();
    });

    it("an organization's chain erased whole is named, while the others verify", async () => {
      await deployment.sql([`DELETE FROM audit_records WHERE org_id = '${orgId}'`, `DELETE FROM audit_heads WHERE org_id = '${orgId}'`]);
      // Named even without checkpoints: the organization exists, and its creation was recorded.
      const bare = await chainOnly();
      expect(bare.code).toBe(1);
      expect(bare.stdout).toContain(`BROKEN org ${orgId}: the organization has no audit records and no chain head`);
      const { code, stdout } = await cli();
      expect(code).toBe(1);
      expect(stdout).toContain(`BROKEN org ${orgId}: the chain has no records, but the checkpoint taken`);
      expect(stdout).toContain('records seq 1 to 8 were removed (the chain was erased)');
      expect(stdout).toMatch(new RegExp(`ok +org ${bystander}: 1 records`));
      expect(await api()).toMatchObject({ ok: false, orgId, broken: { seq: 1, problem: 'erased' } });
      await restore();
    });

    it('a chain rolled back and appended to again is named at the checkpoint it no longer holds, and the server signs no more of it', async () => {
      await deployment.sql([
        `DELETE FROM audit_records WHERE org_id = '${orgId}' AND seq >= 7`,
        `UPDATE audit_heads SET seq = 6, hash = '${(await record(6)).hash}' WHERE org_id = '${orgId}'`,
      ]);
      const p = (await owner.get('/v1/projects')).body.items[0].id;
      // The server appends seq 7 and 8 again: a consistent chain, but not the one that was signed.
      for (const title of ['again1', 'again2']) expect((await owner.post(`/v1/projects/${p}/tasks`, { title })).status).toBe(201);
      const eight = await record(8);
      expect(eight.after).toContain('again2');
      expect((await chainOnly()).code).toBe(0);
      const { code, stdout } = await cli();
      expect(code).toBe(1);
      expect(stdout).toContain(`BROKEN org ${orgId}: record seq 8 (id ${eight.id}`);
      expect(stdout).toContain('is not the record the checkpoint taken');
      expect(await api()).toMatchObject({ ok: false, orgId, broken: { seq: 8, id: eight.id, problem: 'rewritten' } });
      // Its schedule refuses to vouch for the new chain, and says so.
      await waitFor(
        'the server refusing the rolled-back chain',
        () => deployment.server.output.some((l) => l.includes(`audit chain of org ${orgId} is broken at seq 8`)),
        30_000,
        100,
        () => deployment.server.output.slice(-20).join('\n'),
      );
      expect(checkpointsOf(orgId).filter((c) => c.hash === eight.hash)).toEqual([]);
      // Nor does `audit checkpoint`, held to the same file.
      const signed = await deployment.run(['audit', 'checkpoint']);
      expect(signed.code).toBe(1);
      expect(signed.stderr).toContain(`no checkpoint for org ${orgId}: record seq 8`);
      expect(signed.stdout).not.toContain(orgId);
      await restore();
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
      expect(stdout).toContain(`BROKEN org ${orgId}: record seq 9 (id ${forged.id}`);
      expect(await api()).toMatchObject({ ok: false, broken: { seq: 9, id: forged.id } });
      await restore();
    });

    it('a checkpoint taken before a wholesale rewrite exposes it, though the rewritten chain is consistent', async () => {
      const taken = await deployment.run(['audit', 'checkpoint'], { AUDIT_CHECKPOINT_FILE: noCheckpoints });
      expect(taken.code).toBe(0);
      const lines = taken.stdout.trim().split('\n');
      const mine = JSON.parse(lines.find((l) => l.includes(orgId))!);
      expect(mine).toMatchObject({ v: 1, orgId, seq: 8, keyId: expect.any(String) });
      const file = path.join(dir, 'taken.ndjson');
      writeFileSync(file, `${lines.join('\n')}\n`);
      const withTaken = { AUDIT_CHECKPOINT_FILE: file };
      expect((await cli(withTaken)).code).toBe(0);

      // The API's checkpoint is signed by the same key, over the canonical [v, orgId, seq, hash, at].
      const signed = (await owner.get('/v1/audit/checkpoint')).body;
      const publicKey = createPublicKey(readFileSync(keyFile, 'utf8'));
      expect(
        verify(
          null,
          Buffer.from(canonicalize([signed.v, signed.orgId, signed.seq, signed.hash, signed.at])!),
          publicKey,
          Buffer.from(signed.signature, 'base64'),
        ),
      ).toBe(true);

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

      expect((await chainOnly()).stdout).toMatch(new RegExp(`ok +org ${orgId}: 8 records`));
      for (const env of [withTaken, {}]) {
        const checked = await cli(env);
        expect(checked.code).toBe(1);
        expect(checked.stdout).toContain(`BROKEN org ${orgId}: record seq 8`);
        expect(checked.stdout).toContain('is not the record the checkpoint taken');
      }

      // A checkpoint edited to match the rewrite fails its signature.
      writeFileSync(file, `${JSON.stringify({ ...mine, hash: prev })}\n`);
      const forged = await cli(withTaken);
      expect(forged.code).toBe(1);
      expect(forged.stdout).toContain(`BROKEN checkpoint org ${orgId} seq 8: the checkpoint of seq 8`);
      expect(forged.stdout).toContain('bad signature');
      await restore();
    });
  });
});

describe.each(ENTERPRISE_TARGETS)('checkpoints written to stdout on $name', (target) => {
  let deployment: EnterpriseDeployment;
  let keyFile: string;

  beforeAll(async () => {
    keyFile = path.join(mkdtempSync(path.join(tmpdir(), 'flagship-stdout-checkpoints-')), 'audit-key.pem');
    writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    deployment = await deployEnterprise(target, { AUDIT_KEY_FILE: keyFile, AUDIT_CHECKPOINT_FILE: '-', AUDIT_CHECKPOINT_INTERVAL: '1' }, { as: 'process' });
  });
  afterAll(async () => {
    await deployment?.stop();
  });

  it('the server prints its checkpoints among its log lines, and `audit verify` reads them back from stdin', async () => {
    const { owner, org } = await newOrg(deployment.server.client, 'stdout');
    await owner.post('/v1/projects', { name: 'P', key: 'PPP' });
    const lines = () => deployment.server.output.filter((l) => l.startsWith('{"v":1,') && l.includes(`"orgId":"${org.id}"`));
    await waitFor(
      'a checkpoint of seq 2 on stdout',
      () => lines().some((l) => (JSON.parse(l) as { seq: number }).seq === 2),
      30_000,
      100,
      () => deployment.server.output.slice(-20).join('\n'),
    );
    const verify = async (input: string) => {
      const proc = spawn(process.execPath, [deployment.bundle, 'audit', 'verify'], {
        env: { PATH: process.env.PATH ?? '', DATABASE_URL: deployment.databaseUrl, AUDIT_KEY_FILE: keyFile, AUDIT_CHECKPOINT_FILE: '-', LOG_LEVEL: 'warn' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      proc.stdin.end(input);
      const [code] = await once(proc, 'exit');
      return { code: code as number, stdout };
    };
    const intact = await verify(`${deployment.server.output.join('\n')}\n`.replace(/^(?!\{"v":1,).*$/gm, ''));
    expect(intact.stdout).toMatch(new RegExp(`ok +org ${org.id}: 2 records, head seq 2 [0-9a-f]{64}, holds the checkpoint of seq 2`));
    expect(intact.code).toBe(0);
    // Cut the end and move the head back, as a superuser could: the checkpoints from stdout catch it.
    const [one] = await deployment.sql([`SELECT hash FROM audit_records WHERE org_id = '${org.id}' AND seq = 1`]);
    await deployment.sql([
      ...triggersOff(target.dialect),
      `DELETE FROM audit_records WHERE org_id = '${org.id}' AND seq = 2`,
      `UPDATE audit_heads SET seq = 1, hash = '${one!.hash}' WHERE org_id = '${org.id}'`,
    ]);
    const cut = await verify(`${lines().join('\n')}\n`);
    expect(cut.code).toBe(1);
    expect(cut.stdout).toContain(`BROKEN org ${org.id}: the chain ends at seq 1, but the checkpoint taken`);
  });
});
