// vitest globalSetup: one PostgreSQL topology (a primary and FLAGSHIP_PG_REPLICAS streaming replicas, 2 by default, set
// per tier in vitest.config.ts) for the whole run, handed to test workers as inject('pg'). With DIALECTS set and not
// naming postgres, nothing is started and 'pg' is not provided.
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
  const replicas = Number(project.config.env?.FLAGSHIP_PG_REPLICAS ?? process.env.FLAGSHIP_PG_REPLICAS ?? 2);
  const { info, close } = await startPostgres({ replicas });
  project.provide('pg', info);
  return async () => {
    await close();
  };
}
