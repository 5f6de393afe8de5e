// vitest globalSetup: one PostgreSQL topology (primary + 2 streaming replicas) for the whole run, handed to test
// workers as inject('pg'). With DIALECTS set and not naming postgres, nothing is started and 'pg' is not provided.
import type { TestProject } from 'vitest/node';
import { startPostgres, type PgTopologyInfo } from './index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pg: PgTopologyInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dialects = process.env.DIALECTS;
  if (
    dialects &&
    !dialects
      .split(',')
      .map((d) => d.trim())
      .includes('postgres')
  )
    return async () => undefined;
  const { info, close } = await startPostgres({ replicas: 2 });
  project.provide('pg', info);
  return async () => {
    await close();
  };
}
