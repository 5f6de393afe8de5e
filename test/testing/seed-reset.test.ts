// The testing module's seed and reset on the Database contract, on both dialects (a variant may carry testing with
// either): a seed is made through the domain and is all-or-nothing; reset leaves every core table empty.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { authenticate } from '../../src/domain/authentication.js';
import type { DomainContext } from '../../src/domain/changes.js';
import { keepNoChanges } from '../../src/domain/changes.js';
import { listMembers } from '../../src/domain/members.js';
import { defaultExpiry } from '../../src/domain/tokens.js';
import { listTasks } from '../../src/domain/task-list.js';
import { ValidationError, ConflictError } from '../../src/errors.js';
import { MovableClock } from '../../src/testing/clock.js';
import { RESET_ORDER, emptyDatabase } from '../../src/testing/reset.js';
import { applySeed } from '../../src/testing/seed.js';
import type { Seed } from '../../src/testing/start-flagship.js';
import { DIALECTS, openFresh } from '../support/dialects.js';

const acme: Seed = {
  org: { name: 'Acme', slug: 'acme' },
  members: [
    { email: 'ann@acme.example', name: 'Ann', role: 'owner' },
    { email: 'Bob@Acme.example', name: 'Bob', role: 'viewer', tokens: [{ name: 'expired', expiresAt: '2001-01-01T00:00:00Z' }, { name: 'ci' }] },
  ],
  projects: [
    {
      name: 'Website',
      key: 'WEB',
      tasks: [{ title: 'Login fails', labels: ['bug'], assignee: 'bob@acme.example', status: 'in_progress' }, { title: 'Dark mode' }],
    },
    { name: 'Old', key: 'OLD', archived: true },
  ],
};

async function rowCounts(db: Database): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const name of RESET_ORDER) counts[name] = (await db.read((q) => q.select().from(db.tables[name]))).length;
  return counts;
}

describe.each(DIALECTS)('testing seed and reset on %s', (dialect) => {
  let db: Database;
  let ctx: DomainContext;

  beforeAll(async () => {
    ({ db } = await openFresh(dialect));
    ctx = { db, changes: keepNoChanges };
  });
  afterAll(async () => {
    await db?.close();
  });

  it('seeds an organization with members, tokens, projects and tasks through the domain', async () => {
    const seeded = await applySeed(ctx, acme);
    expect(Object.keys(seeded.tokens)).toEqual(['ann@acme.example', 'Bob@Acme.example']);
    const ann = await authenticate(db, seeded.tokens['ann@acme.example']!);
    expect(ann).toMatchObject({ orgId: seeded.org.id, role: 'owner' });
    const bob = await authenticate(db, seeded.members['Bob@Acme.example']!.tokens.ci!);
    expect(bob).toMatchObject({ orgId: seeded.org.id, role: 'viewer', memberId: seeded.members['Bob@Acme.example']!.id });
    await expect(authenticate(db, seeded.members['Bob@Acme.example']!.tokens.expired!)).rejects.toThrow(/expired at 2001-01-01/);
    expect((await listMembers(db, ann, {})).items.map((m) => m.email)).toEqual(['ann@acme.example', 'bob@acme.example']);
    const web = seeded.projects.WEB!;
    expect(web.tasks.map((t) => [t.number, t.title])).toEqual([
      [1, 'Login fails'],
      [2, 'Dark mode'],
    ]);
    const bugs = await listTasks(db, ann, web.id, { label: 'bug' });
    expect(bugs.items).toMatchObject([{ title: 'Login fails', status: 'in_progress', assigneeId: seeded.members['Bob@Acme.example']!.id }]);
  });

  it('refuses a seed the schema cannot judge, naming the field', async () => {
    const twoOwners = { ...acme, org: { name: 'X', slug: 'x-two' }, members: [acme.members[0]!, { ...acme.members[1]!, role: 'owner' as const }] };
    await expect(applySeed(ctx, twoOwners)).rejects.toThrow(/names 2 owners; give exactly one member "role": "owner"/);
    const stranger = {
      ...acme,
      org: { name: 'X', slug: 'x-stranger' },
      projects: [{ name: 'P', key: 'PP', tasks: [{ title: 't', assignee: 'eve@else.example' }] }],
    };
    await expect(applySeed(ctx, stranger)).rejects.toThrow(ValidationError);
    await expect(applySeed(ctx, stranger)).rejects.toThrow(/body\.projects\[0\]\.tasks\[0\]\.assignee eve@else\.example is not one of the seeded members/);
    // The answer gives each token's secret by its name: two of one name would leave one secret unknown.
    const twice = {
      ...acme,
      org: { name: 'X', slug: 'x-twice' },
      members: [{ ...acme.members[0]!, tokens: [{ name: 'ci' }, { name: 'ci' }] }, ...acme.members.slice(1)],
    };
    await expect(applySeed(ctx, twice)).rejects.toThrow(/body\.members\[0\]\.tokens\[1\]\.name "ci" is seeded twice for this member/);
  });

  it('leaves nothing behind when a seed fails half-way', async () => {
    const before = await rowCounts(db);
    // The second project repeats a key: the org, members and first project are already written when it fails.
    const clash = {
      ...acme,
      org: { name: 'Clash', slug: 'clash' },
      projects: [
        { name: 'A', key: 'DUP', tasks: [{ title: 'x' }] },
        { name: 'B', key: 'DUP' },
      ],
    };
    await expect(applySeed(ctx, clash)).rejects.toThrow(ConflictError);
    expect(await rowCounts(db)).toEqual(before);
  });

  it('resets every core table to empty, and the same seed then applies again', async () => {
    expect(Object.keys(db.tables).sort()).toEqual([...RESET_ORDER].sort());
    expect(Object.values(await rowCounts(db)).some((n) => n > 0)).toBe(true);
    await emptyDatabase(db);
    expect(Object.values(await rowCounts(db))).toEqual(RESET_ORDER.map(() => 0));
    const again = await applySeed(ctx, acme);
    expect(again.org.slug).toBe('acme');
  });
});

describe('the movable clock', () => {
  it('moves from the system time and keeps ticking, and refuses to leave the storable years', () => {
    const clock = new MovableClock();
    clock.set(new Date('2040-06-01T00:00:00Z'));
    expect(clock.now().toISOString().slice(0, 10)).toBe('2040-06-01');
    clock.advance(86_400_000);
    expect(clock.now().toISOString().slice(0, 10)).toBe('2040-06-02');
    expect(() => clock.advance(1e16)).toThrow(/outside the years 0001 to 9999/);
    clock.real();
    expect(clock.offsetMs).toBe(0);
  });

  it('stops at the last storable instant rather than tick past it, and a token made then expires within the range', async () => {
    const clock = new MovableClock();
    clock.set(new Date('9999-12-31T23:59:59.999Z'));
    await new Promise((r) => setTimeout(r, 5));
    expect(clock.now().toISOString()).toBe('9999-12-31T23:59:59.999Z');
    expect(defaultExpiry({ tokenLifetimeMs: 30 * 86_400_000 }, clock.now().getTime())?.toISOString()).toBe('9999-12-31T23:59:59.999Z');
  });
});
