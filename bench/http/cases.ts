// The requests compared, each sent identically to flagship and to the baseline.
import type { Fixture } from './fixture.js';
import type { LoadRequest } from './load.js';

export interface HttpCase {
  readonly id: 'get' | 'page' | 'filter' | 'create';
  /** As the docs show it. */
  readonly title: string;
  request(f: Fixture): LoadRequest;
}

export const HTTP_CASES: readonly HttpCase[] = [
  { id: 'get', title: 'GET /v1/tasks/:id', request: (f) => ({ method: 'GET', path: `/v1/tasks/${f.task}` }) },
  { id: 'page', title: 'GET /v1/projects/:id/tasks?limit=50', request: (f) => ({ method: 'GET', path: `/v1/projects/${f.readProject}/tasks?limit=50` }) },
  {
    id: 'filter',
    title: 'GET /v1/projects/:id/tasks?label=bug&q=login&limit=50',
    request: (f) => ({ method: 'GET', path: `/v1/projects/${f.readProject}/tasks?label=bug&q=login&limit=50` }),
  },
  {
    id: 'create',
    title: 'POST /v1/projects/:id/tasks',
    request: (f) => ({ method: 'POST', path: `/v1/projects/${f.writeProject}/tasks`, body: { title: 'Benchmark task', labels: ['bench'] } }),
  },
];
