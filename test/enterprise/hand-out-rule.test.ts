// The one rule for handing out power as pure decisions: the enterprise check over a role graph with project grants,
// and the core's built-in table, which obeys the same rule when the module is not there.
import { describe, expect, it } from 'vitest';
import { BUILT_IN_ROLES, BuiltInRoleAuthorizer, ROLES, type Principal, type Role } from '../../src/domain/authorizer.js';
import { permissionSet } from '../../src/domain/permissions.js';
import type { Queryable } from '../../src/db/database.js';
import { ENTERPRISE_PERMISSIONS } from '../../src/enterprise/permissions.js';
import { firstUnheld } from '../../src/enterprise/rbac/hand-out.js';
import { effectivePermissions, roleBook } from '../../src/enterprise/rbac/role-graph.js';

const permissions = permissionSet(ENTERPRISE_PERMISSIONS);
const book = roleBook(permissions, [
  { name: 'hr', permissions: ['org:read', 'member:read', 'member:manage'], inherits: [] },
  { name: 'tester', permissions: ['task:write'], inherits: [] },
  { name: 'lead', permissions: ['project:write'], inherits: ['tester'] },
]);

describe('firstUnheld: what an actor may give, change or take away', () => {
  const hr = effectivePermissions(book, 'hr', []);
  const scoped = effectivePermissions(book, 'viewer', [{ id: 'g1', role: 'tester', projectId: 'P' }]);
  const admin = effectivePermissions(book, 'admin', []);

  it.each([
    ['hr gives hr', hr, 'hr', null, undefined],
    ['hr gives viewer (lacks project:read)', hr, 'viewer', null, 'project:read'],
    ['hr gives admin', hr, 'admin', null, 'project:read'],
    ['a grant on P gives tester on P', scoped, 'tester', 'P', undefined],
    ['a grant on P gives tester on Q', scoped, 'tester', 'Q', 'task:write'],
    ['a grant on P gives tester org-wide', scoped, 'tester', null, 'task:write'],
    ['admin gives lead (inheritance expanded)', admin, 'lead', null, undefined],
    ['a grant on P gives lead on P (its inherited project:write is missing)', scoped, 'lead', 'P', 'project:write'],
    ['nobody gives what an unknown role holds: nothing', hr, 'ghost', null, undefined],
  ] as const)('%s', (_, mine, role, projectId, missing) => {
    expect(firstUnheld(mine, book, [{ role, projectId }])?.permission).toBe(missing);
  });
});

describe('the core without the module: built-in roles obey the same rule', () => {
  const tx = {} as Queryable;
  const actor = (role: string): Principal => ({ memberId: 'm', orgId: 'o', role, tokenId: 't' });
  const tables: Record<string, Readonly<Record<Role, ReadonlySet<string>>>> = {
    core: BUILT_IN_ROLES,
    // A build whose modules add a permission only the owner holds: admins then hold less than owners.
    'a build with an owner-only permission': permissionSet([{ name: 'x:only-owner', description: 'test', grantedTo: [] }]).builtInRoles,
  };

  for (const [name, table] of Object.entries(tables)) {
    const catalog = new BuiltInRoleAuthorizer(table);
    const within = (a: Role, b: Role) => [...table[b]].every((p) => table[a].has(p));
    it(`${name}: an actor gives or takes away exactly the built-in roles below owner their own role covers`, async () => {
      for (const who of ROLES) {
        for (const role of ['admin', 'member', 'viewer'] as const) {
          const give = catalog.handOut(tx, actor(who), { give: role });
          const take = catalog.handOut(tx, actor(who), { takeAway: role });
          if (within(who, role)) {
            await expect(give).resolves.toBeUndefined();
            await expect(take).resolves.toBeUndefined();
          } else {
            await expect(give).rejects.toMatchObject({ code: 'forbidden' });
            await expect(take).rejects.toMatchObject({ code: 'forbidden' });
          }
        }
      }
    });
    it(`${name}: owner is never given, nor a role the build does not know`, async () => {
      await expect(catalog.handOut(tx, actor('owner'), { give: 'owner' })).rejects.toMatchObject({ code: 'validation_failed' });
      await expect(catalog.handOut(tx, actor('owner'), { give: 'hr' })).rejects.toMatchObject({ code: 'validation_failed' });
      // A custom role's name left by an enterprise build holds nothing here: the actor holding anything is enough.
      await expect(catalog.handOut(tx, actor('admin'), { takeAway: 'hr' })).resolves.toBeUndefined();
      await expect(catalog.handOut(tx, actor('hr'), { give: 'viewer' })).rejects.toMatchObject({ code: 'forbidden' });
    });
  }
});
