// Seeding: one organization with its members, their tokens, projects and tasks, made through the same domain code as
// the API (numbering, labels, change records), inside one transaction: a seed that fails half-way leaves nothing.
import { authenticate } from '../domain/authentication.js';
import type { Principal } from '../domain/authorizer.js';
import type { DomainContext } from '../domain/changes.js';
import { addMember, type AssignableRole } from '../domain/members.js';
import { parseInstant } from '../domain/instants.js';
import { signup } from '../domain/orgs.js';
import { createProject, updateProject } from '../domain/projects.js';
import { createTask } from '../domain/tasks.js';
import { issueToken } from '../domain/tokens.js';
import { ValidationError } from '../errors.js';
import type { Seed, SeedMember, SeedResult, SeedRole } from './start-flagship.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** What the schema cannot say: one owner, each email once, assignees among the seeded members. */
function checkSeed(seed: Seed): SeedMember {
  const owners = seed.members.filter((m) => m.role === 'owner');
  if (owners.length !== 1) {
    throw new ValidationError(`the seed names ${owners.length} owners; give exactly one member "role": "owner" (the organization's creator)`, {
      details: [{ field: 'body.members', message: 'must hold exactly one owner' }],
    });
  }
  const emails = new Set<string>();
  seed.members.forEach((m, i) => {
    const email = m.email.trim().toLowerCase();
    if (emails.has(email))
      throw new ValidationError(`body.members[${i}].email ${m.email} is seeded twice; list each member once`, {
        details: [{ field: `body.members[${i}].email`, message: 'is seeded twice' }],
      });
    emails.add(email);
    // The answer gives each token's secret by its name: two of one name would make a token whose secret is lost.
    const names = new Set<string>();
    m.tokens?.forEach((t, j) => {
      if (names.has(t.name))
        throw new ValidationError(
          `body.members[${i}].tokens[${j}].name ${JSON.stringify(t.name)} is seeded twice for this member; give each token its own name`,
          {
            details: [{ field: `body.members[${i}].tokens[${j}].name`, message: 'is seeded twice for this member' }],
          },
        );
      names.add(t.name);
    });
  });
  seed.projects?.forEach((p, i) =>
    p.tasks?.forEach((t, j) => {
      if (t.assignee && !emails.has(t.assignee.trim().toLowerCase())) {
        const field = `body.projects[${i}].tasks[${j}].assignee`;
        throw new ValidationError(`${field} ${t.assignee} is not one of the seeded members; use the email of a member in body.members`, {
          details: [{ field, message: 'is not a seeded member' }],
        });
      }
    }),
  );
  return owners[0]!;
}

/** A member other than the owner, with the token the API gives every new member. */
async function newMember(ctx: DomainContext, principal: Principal, m: SeedMember): Promise<{ id: string; token: string }> {
  const { member, token } = await addMember(ctx, principal, { email: m.email, name: m.name, role: m.role as AssignableRole });
  return { id: member.id, token: token.token };
}

export async function applySeed(ctx: DomainContext, seed: Seed): Promise<SeedResult> {
  const owner = checkSeed(seed);
  const { db } = ctx;
  return db.transaction(async () => {
    const made = await signup(ctx, { org: { name: seed.org.name, slug: seed.org.slug }, user: { email: owner.email, name: owner.name } });
    const { lastUsedAt: _unused, ...principal } = await authenticate(db, made.token);
    const members: Mutable<SeedResult['members']> = {};
    const ids = new Map<string, string>();
    for (const [index, m] of seed.members.entries()) {
      const added = m === owner ? { id: made.user.id, token: made.token } : await newMember(ctx, principal, m);
      const tokens: Record<string, string> = {};
      for (const [i, t] of (m.tokens ?? []).entries()) {
        const expiresAt = t.expiresAt ? parseInstant(`body.members[${index}].tokens[${i}].expiresAt`, t.expiresAt) : null;
        const issued = await db.write((tx) => issueToken(tx, db, { orgId: made.org.id, memberId: added.id }, t.name, expiresAt));
        tokens[t.name] = issued.token;
      }
      members[m.email] = { id: added.id, role: m.role as SeedRole, token: added.token, tokens };
      ids.set(m.email.trim().toLowerCase(), added.id);
    }
    const projects: Mutable<SeedResult['projects']> = {};
    for (const p of seed.projects ?? []) {
      const project = await createProject(ctx, principal, { name: p.name, key: p.key });
      const tasks = [];
      for (const t of p.tasks ?? []) {
        const { assignee, labels, ...rest } = t;
        const task = await createTask(ctx, principal, project.id, {
          ...rest,
          ...(labels ? { labels: [...labels] } : {}),
          assigneeId: assignee ? ids.get(assignee.trim().toLowerCase()) : null,
        });
        tasks.push({ id: task.id, number: task.number, title: task.title });
      }
      if (p.archived) await updateProject(ctx, principal, project.id, { archived: true });
      projects[p.key] = { id: project.id, tasks };
    }
    const tokens = Object.fromEntries(Object.entries(members).map(([email, m]) => [email, m.token]));
    return { org: { id: made.org.id, slug: made.org.slug, name: made.org.name }, members, projects, tokens };
  });
}
