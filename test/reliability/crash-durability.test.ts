// kill -9 in the middle of a write load, on each dialect: after a restart on the same database every acknowledged
// (201) task is there, the numbers run 1..n without a gap, and no task is half-written. Writes that were in flight
// may or may not have landed; both are fine, as long as what landed is whole.
import { describe, expect, it } from 'vitest';
import { Client, newOrg, startBundle } from '../support/api.js';
import { DIALECTS } from '../support/dialects.js';
import { allTasks, expectNothingLost, startWriteLoad } from '../support/load.js';

describe.each(DIALECTS.map((dialect) => ({ dialect, name: dialect === 'sqlite' ? 'dist/dev on SQLite' : 'dist/prod on PostgreSQL' })))(
  'kill -9 under write load on $name',
  (target) => {
    it('keeps every acknowledged write, numbered without gaps, none half-written', async () => {
      const bundle = target.dialect === 'sqlite' ? 'dev' : 'prod';
      // The second start reuses the first's database.
      let databaseUrl: string | undefined;
      const start = async () => {
        const s = await startBundle(bundle, databaseUrl ? { DATABASE_URL: databaseUrl } : {});
        databaseUrl = s.databaseUrl;
        return s;
      };

      const first = await start();
      const { owner } = await newOrg(new Client(first.url), 'crash');
      const project = (await owner.post('/v1/projects', { name: 'Crash', key: 'CRASH' })).body.id as string;
      const load = startWriteLoad(owner, project, { workers: 8, requestTimeoutMs: 10_000 });
      await load.created(60);
      first.proc.kill('SIGKILL');
      const outcomes = await load.stop();
      expect(await first.stop()).toBeNull();
      expect(first.proc.signalCode).toBe('SIGKILL');

      const second = await start();
      try {
        const again = new Client(second.url, (owner as unknown as { token: string }).token);
        const stored = await allTasks(again, project);
        expect(outcomes.filter((o) => o.status === 201).length).toBeGreaterThanOrEqual(60);
        expectNothingLost(outcomes, stored, { unanswered: true, allowed: [201] });
        // And numbering goes on from there.
        const next = await again.post(`/v1/projects/${project}/tasks`, { title: 'w9-0', labels: ['a', 'b', 'c'] });
        expect(next.status).toBe(201);
        expect(next.body.number).toBe(stored.length + 1);
      } finally {
        await second.stop();
      }
    });
  },
);
