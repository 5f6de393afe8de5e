// A property of the whole RBAC API (fast-check), on dist/prod (PostgreSQL) and dist/dev-enterprise (SQLite): random
// sequences of role, grant and member operations by random actors, members included, never move a permission that
// the actor did not hold. After each operation every member's effective permissions are read back; each permission
// gained or lost, on the organization or on a project, must be one the actor held there just before. A refused
// operation changes nothing. FC_RUNS raises the number of sequences (the default keeps the suite quick).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newOrg, type Client, type Reply } from '../support/api.js';
import { ENTERPRISE_TARGETS, deployForSuite } from '../support/enterprise.js';
import { PERMISSIONS as CORE_PERMISSIONS } from '../../src/domain/authorizer.js';

const RUNS = Number(process.env.FC_RUNS ?? 12);

const PERMISSIONS = [...CORE_PERMISSIONS, 'role:manage', 'audit:read'] as const;
const CUSTOM = ['r0', 'r1', 'r2'] as const;
const GIVABLE = ['viewer', 'member', 'admin', ...CUSTOM] as const;
/** Index 0 is the owner; the others are added at the start with random roles. */
const MEMBERS = 5;

const actor = fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 4, arbitrary: fc.integer({ min: 1, max: MEMBERS - 1 }) });
const target = fc.integer({ min: 1, max: MEMBERS - 1 });
const permissions = fc.subarray([...PERMISSIONS], { maxLength: 5 });
const inherits = fc.subarray([...GIVABLE], { maxLength: 2 });
const customName = fc.constantFrom(...CUSTOM);
const givable = fc.constantFrom(...GIVABLE);
/** null: the whole organization; else the index of one of the two projects. */
const scope = fc.constantFrom(null, 0, 1);

type Op =
  | { kind: 'createRole'; actor: number; name: string; permissions: string[]; inherits: string[] }
  | { kind: 'updateRole'; actor: number; name: string; permissions: string[]; inherits: string[] }
  | { kind: 'deleteRole'; actor: number; name: string }
  | { kind: 'setRole'; actor: number; target: number; role: string }
  | { kind: 'grants'; actor: number; target: number; grants: Array<{ role: string; scope: number | null }> }
  | { kind: 'remove'; actor: number; target: number }
  | { kind: 'add'; actor: number; target: number; role: string };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('createRole' as const), actor, name: customName, permissions, inherits }),
  fc.record({ kind: fc.constant('updateRole' as const), actor, name: customName, permissions, inherits }),
  fc.record({ kind: fc.constant('deleteRole' as const), actor, name: customName }),
  fc.record({ kind: fc.constant('setRole' as const), actor, target, role: givable }),
  fc.record({ kind: fc.constant('grants' as const), actor, target, grants: fc.array(fc.record({ role: givable, scope }), { maxLength: 2 }) }),
  fc.record({ kind: fc.constant('remove' as const), actor, target }),
  fc.record({ kind: fc.constant('add' as const), actor, target, role: givable }),
);

/** The starting point: custom roles that hand out power in part (member:manage or role:manage with a few more), held by members. */
const start = fc.record({
  roles: fc.tuple(...CUSTOM.map(() => fc.tuple(fc.constantFrom('member:manage', 'role:manage'), fc.subarray([...PERMISSIONS], { maxLength: 4 })))),
  // Mostly roles that hold some power, so members' operations get through often enough to matter.
  memberRoles: fc.array(fc.constantFrom('admin', 'member', ...CUSTOM, ...CUSTOM), { minLength: MEMBERS - 1, maxLength: MEMBERS - 1 }),
});

/** Per member id, what they hold: `permission@org` or `permission@<projectId>`. */
type State = Map<string, Set<string>>;

interface World {
  owner: Client;
  projects: [string, string];
  ids: string[];
  clients: Client[];
  roleIds: Map<string, string>;
}

async function observe(w: World): Promise<State> {
  const roles = (await w.owner.get('/v1/roles')).body.items as Array<{ id: string | null; name: string }>;
  w.roleIds = new Map(roles.filter((r) => r.id !== null).map((r) => [r.name, r.id!]));
  const state: State = new Map();
  await Promise.all(
    w.ids.map(async (id) => {
      const res = await w.owner.get(`/v1/members/${id}/permissions`);
      const held = new Set<string>();
      // 404: removed, holding nothing.
      if (res.status === 200) for (const p of res.body.permissions) held.add(`${p.permission}@${p.projectId ?? 'org'}`);
      else expect(res.status).toBe(404);
      state.set(id, held);
    }),
  );
  return state;
}

const holds = (state: State, id: string, permission: string, where: string) => {
  const held = state.get(id)!;
  return held.has(`${permission}@org`) || (where !== 'org' && held.has(`${permission}@${where}`));
};

async function apply(w: World, o: Op): Promise<Reply> {
  const as = w.clients[o.actor]!;
  switch (o.kind) {
    case 'createRole':
      return as.post('/v1/roles', { name: o.name, permissions: o.permissions, inherits: o.inherits });
    case 'updateRole':
    case 'deleteRole': {
      // A role that does not exist gets a well-formed id that names nothing.
      const id = w.roleIds.get(o.name) ?? '00000000-0000-4000-8000-000000000000';
      return o.kind === 'updateRole' ? as.patch(`/v1/roles/${id}`, { permissions: o.permissions, inherits: o.inherits }) : as.delete(`/v1/roles/${id}`);
    }
    case 'setRole':
      return as.patch(`/v1/members/${w.ids[o.target]}`, { role: o.role });
    case 'grants':
      return as.call('PUT', `/v1/members/${w.ids[o.target]}/grants`, {
        body: { grants: o.grants.map((g) => ({ role: g.role, ...(g.scope === null ? {} : { projectId: w.projects[g.scope] }) })) },
      });
    case 'remove':
      return as.delete(`/v1/members/${w.ids[o.target]}`);
    case 'add': {
      const res = await as.post('/v1/members', { email: `m${o.target}@prop.example`, name: `M${o.target}`, role: o.role });
      if (res.status === 201) w.clients[o.target] = w.owner.as(res.body.token);
      return res;
    }
  }
}

describe.each(ENTERPRISE_TARGETS)('the one rule as a property on $name', (target) => {
  const suite = deployForSuite(target);

  it(
    'no sequence of operations moves a permission its actor did not hold',
    async () => {
      await fc.assert(
        fc.asyncProperty(start, fc.array(op, { minLength: 1, maxLength: 10 }), async (init, ops) => {
          const { owner, user } = await newOrg(suite.api, 'prop');
          const p0 = (await owner.post('/v1/projects', { name: 'P0', key: 'PZERO' })).body.id;
          const p1 = (await owner.post('/v1/projects', { name: 'P1', key: 'PONE' })).body.id;
          const w: World = { owner, projects: [p0, p1], ids: [user.id], clients: [owner], roleIds: new Map() };
          for (const [i, [power, more]] of init.roles.entries()) {
            const made = await owner.post('/v1/roles', { name: CUSTOM[i], permissions: [...new Set([power, 'member:read', ...more])] });
            expect(made.status, JSON.stringify(made.body)).toBe(201);
          }
          for (const [i, role] of init.memberRoles.entries()) {
            const res = await owner.post('/v1/members', { email: `m${i + 1}@prop.example`, name: `M${i + 1}`, role });
            expect(res.status, JSON.stringify(res.body)).toBe(201);
            w.ids.push(res.body.member.id);
            w.clients.push(owner.as(res.body.token));
          }
          const scopes = ['org', p0, p1];
          let before = await observe(w);
          for (const [step, o] of ops.entries()) {
            const res = await apply(w, o);
            const after = await observe(w);
            const actorId = w.ids[o.actor]!;
            const said = `step ${step} ${JSON.stringify(o)} answered ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
            expect(res.status, said).toBeLessThan(500);
            for (const id of w.ids) {
              for (const permission of PERMISSIONS) {
                for (const where of scopes) {
                  const was = holds(before, id, permission, where);
                  const is = holds(after, id, permission, where);
                  if (was === is) continue;
                  expect(res.status, `${said}: refused, yet member ${id} ${is ? 'gained' : 'lost'} ${permission} on ${where}`).toBeLessThan(300);
                  expect(
                    holds(before, actorId, permission, where),
                    `${said}: member ${id} ${is ? 'gained' : 'lost'} ${permission} on ${where}, which the actor ${actorId} did not hold`,
                  ).toBe(true);
                }
              }
            }
            before = after;
          }
        }),
        { numRuns: RUNS },
      );
    },
    // A longer hunt (FC_RUNS) gets the time it needs.
    60_000 + RUNS * 10_000,
  );
});
