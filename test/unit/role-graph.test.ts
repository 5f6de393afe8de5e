// The role graph's pure decisions, as tables: expansion with provenance, cycles, and effective permissions.
import { describe, expect, it } from 'vitest';
import { permissionSet } from '../../src/domain/permissions.js';
import { ENTERPRISE_PERMISSIONS } from '../../src/enterprise/permissions.js';
import { allows, effectivePermissions, expandRole, findCycle, roleBook } from '../../src/enterprise/rbac/role-graph.js';

const perms = permissionSet(ENTERPRISE_PERMISSIONS);

describe('role graph', () => {
  const book = roleBook(perms, [
    { name: 'reader', permissions: [], inherits: ['viewer'] },
    { name: 'tester', permissions: ['task:write'], inherits: ['reader'] },
    { name: 'auditor', permissions: ['audit:read'], inherits: [] },
    { name: 'lead', permissions: [], inherits: ['tester', 'auditor'] },
  ]);

  it('gives the built-in roles the module permissions their specs name, and owners all', () => {
    expect([...perms.builtInRoles.admin]).toEqual(expect.arrayContaining(['role:manage', 'audit:read']));
    expect(perms.builtInRoles.member.has('audit:read')).toBe(false);
    expect([...perms.builtInRoles.owner].sort()).toEqual([...perms.all].sort());
  });

  it('expands inheritance, each permission with its shortest path', () => {
    const lead = expandRole(book, 'lead');
    expect(lead.get('task:write')).toEqual(['lead', 'tester']);
    expect(lead.get('audit:read')).toEqual(['lead', 'auditor']);
    expect(lead.get('project:read')).toEqual(['lead', 'tester', 'reader', 'viewer']);
    expect(lead.has('project:write')).toBe(false);
    expect(expandRole(book, 'nobody').size).toBe(0);
  });

  it('finds cycles, naming the roles around them', () => {
    expect(findCycle(book)).toBeUndefined();
    const looped = new Map(book);
    looped.set('reader', { name: 'reader', permissions: [], inherits: ['viewer', 'lead'], builtIn: false });
    expect(findCycle(looped, 'reader')).toEqual(['reader', 'lead', 'tester', 'reader']);
    looped.set('self', { name: 'self', permissions: [], inherits: ['self'], builtIn: false });
    expect(findCycle(looped, 'self')).toEqual(['self', 'self']);
    // Expansion terminates on a cycle.
    expect(expandRole(looped, 'lead').get('task:write')).toEqual(['lead', 'tester']);
  });

  it('decides org-wide and project grants', () => {
    const effective = effectivePermissions(book, 'viewer', [
      { id: 'g1', role: 'tester', projectId: 'A' },
      { id: 'g2', role: 'auditor', projectId: null },
    ]);
    expect(allows(effective, 'task:write', 'A')).toBe(true);
    expect(allows(effective, 'task:write', 'B')).toBe(false);
    expect(allows(effective, 'task:write')).toBe(false);
    expect(allows(effective, 'audit:read')).toBe(true);
    expect(allows(effective, 'task:read', 'B')).toBe(true);
    expect(effective.projects.get('A')!.get('task:read')).toEqual([{ via: 'grant', grantId: 'g1', role: 'tester', path: ['tester', 'reader', 'viewer'] }]);
    expect(effective.org.get('task:read')).toEqual([{ via: 'member-role', role: 'viewer', path: ['viewer'] }]);
  });
});
