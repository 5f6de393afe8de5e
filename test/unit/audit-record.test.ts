// The audit record's hash: canonical (key order and JSON spacing do not matter), and covering every field.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GENESIS, canonicalJson, encodeRecord, hashRecord, type AuditRow } from '../../src/enterprise/audit/record.js';
import { encodeAround } from '../support/audit-encoding-in-pieces.js';

const base: Omit<AuditRow, 'hash'> = {
  id: '7d0c1a9e-0000-4000-8000-000000000001',
  orgId: 'org',
  seq: 1,
  at: new Date('2030-01-01T00:00:00.000Z'),
  actorId: 'm',
  tokenId: 't',
  action: 'task.create',
  resourceType: 'task',
  resourceId: 'x',
  before: null,
  after: canonicalJson({ b: 1, a: [1, 'two'] }),
  detail: null,
  requestId: 'r',
  ip: '127.0.0.1',
  userAgent: 'ua',
  prevHash: GENESIS,
};

describe('audit record hash', () => {
  it('encodes JSON canonically', () => {
    expect(canonicalJson({ b: 1, a: [1, 'two'] })).toBe('{"a":[1,"two"],"b":1}');
    expect(canonicalJson(undefined)).toBeNull();
  });

  it('changes when any field changes', () => {
    const h = hashRecord(base);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRecord({ ...base })).toBe(h);
    const changes: Array<Partial<AuditRow>> = [
      { id: 'other' },
      { orgId: 'o2' },
      { seq: 2 },
      { at: new Date('2030-01-01T00:00:00.001Z') },
      { actorId: null },
      { tokenId: 't2' },
      { action: 'task.delete' },
      { resourceType: 'project' },
      { resourceId: 'y' },
      { before: '{}' },
      { after: '{"a":[1,"two"],"b":2}' },
      { detail: '{}' },
      { requestId: 'r2' },
      { ip: '::1' },
      { userAgent: 'other' },
      { prevHash: 'f'.repeat(64) },
    ];
    for (const change of changes) expect(hashRecord({ ...base, ...change }), JSON.stringify(change)).not.toBe(h);
  });

  it('splits into the pieces the database chains around seq, time and previous hash, whatever the fields hold', () => {
    // The previous release's PostgreSQL append (migration 0003's audit_append, which stays for rolling upgrades) joins
    // the pieces with the seq as digits, the time and the previous hash as JSON strings; the result must be the
    // application's encoding byte for byte, or verify would fail.
    const text = fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\0'));
    const optional = fc.option(text, { nil: null });
    fc.assert(
      fc.property(
        fc.record({
          id: text,
          orgId: text,
          seq: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
          at: fc.date({ min: new Date('0001-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }),
          actorId: optional,
          tokenId: optional,
          action: text,
          resourceType: optional,
          resourceId: optional,
          before: fc.option(
            fc.jsonValue().map((v) => canonicalJson(v)!),
            { nil: null },
          ),
          after: optional,
          detail: optional,
          requestId: optional,
          ip: optional,
          userAgent: fc.constantFrom(null, 'say "hi"\\ \u2028 \u001f\t é 😀'),
          prevHash: fc.oneof(fc.constant(GENESIS), fc.stringMatching(/^[0-9a-f]{64}$/)),
        }),
        (row) => {
          const { head, middle, tail } = encodeAround(row);
          const joined = `${head}${row.seq}${middle}${JSON.stringify(row.at.toISOString())}${tail}${JSON.stringify(row.prevHash)}]`;
          expect(joined).toBe(encodeRecord(row));
        },
      ),
      { numRuns: 500 },
    );
  });
});
