// The audit record's hash: canonical (key order and JSON spacing do not matter), and covering every field.
import { describe, expect, it } from 'vitest';
import { GENESIS, canonicalJson, hashRecord, type AuditRow } from '../../src/enterprise/audit/record.js';

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
});
