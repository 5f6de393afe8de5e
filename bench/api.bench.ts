// The HTTP API end to end, the dev bundle on SQLite beside the prod bundle on PostgreSQL, in one run: what a team
// gives up or gains by developing on the slim build. Each server is a real process; requests go over keep-alive.
//
// Setup is at module level: vitest's bench mode does not run beforeAll/afterAll hooks.
import { bench, describe } from 'vitest';
import { Client, newOrg, startBundle } from '../test/support/api.js';
import { DIALECTS } from '../test/support/dialects.js';

// BENCH_QUICK (npm run bench -- --quick): a tenth of the iterations and seeded tasks, to check the wiring.
const scale = process.env.BENCH_QUICK ? 0.1 : 1;
const options = { iterations: 300 * scale, warmupIterations: 30 * scale, time: 0 };

interface Fixture {
  owner: Client;
  project: string;
  task: string;
}

const fixtures = new Map<string, Fixture>();
// Dev against prod, as deployed most simply.
for (const target of DIALECTS.map((dialect) => ({
  bundle: dialect === 'sqlite' ? ('dev' as const) : ('prod' as const),
  name: dialect === 'sqlite' ? 'dist/dev on SQLite' : 'dist/prod on PostgreSQL',
}))) {
  const server = await startBundle(target.bundle);
  const { owner } = await newOrg(new Client(server.url));
  const project = (await owner.post('/v1/projects', { name: 'Bench', key: 'BENCH' })).body.id as string;
  for (let i = 0; i < 200 * scale; i++) await owner.post(`/v1/projects/${project}/tasks`, { title: `seed ${i}`, labels: i % 3 === 0 ? ['bug'] : [] });
  const task = (await owner.post(`/v1/projects/${project}/tasks`, { title: 'read me' })).body.id as string;
  fixtures.set(target.name, { owner, project, task });
}

function pair(title: string, run: (f: Fixture) => Promise<unknown>): void {
  describe(title, () => {
    for (const [name, f] of fixtures) bench(name, () => run(f).then(() => undefined), options);
  });
}

pair('POST /v1/projects/:id/tasks', (f) => f.owner.post(`/v1/projects/${f.project}/tasks`, { title: 'bench', labels: ['perf'] }));
pair('GET /v1/tasks/:id', (f) => f.owner.get(`/v1/tasks/${f.task}`));
pair('GET /v1/projects/:id/tasks?label=bug&limit=20', (f) => f.owner.get(`/v1/projects/${f.project}/tasks?label=bug&limit=20`));
