// What this build carries, fixed at build time by the flags in flags/<variant>.json.
export type Dialect = 'sqlite' | 'postgres';

export interface VariantInfo {
  readonly name: string;
  readonly version: string;
  readonly dialects: readonly Dialect[];
  readonly scaling: boolean;
  readonly enterprise: boolean;
  /** Carries the test-only tools (src/testing/), served only when started with --testing. */
  readonly testing: boolean;
}

export const variant: VariantInfo = Object.freeze({
  name: __VARIANT__,
  version: __VERSION__,
  dialects: Object.freeze([...(__DIALECT_SQLITE__ ? (['sqlite'] as const) : []), ...(__DIALECT_POSTGRES__ ? (['postgres'] as const) : [])]),
  scaling: __FLAG_SCALING__,
  enterprise: __FLAG_ENTERPRISE__,
  testing: __FLAG_TESTING__,
});

/** How to get a build that carries what this one lacks; used in every "this build cannot" message. */
export function buildHint(wanted: string): string {
  // A SQLite build asking for enterprise is best served by the SQLite build that carries it.
  const prod =
    wanted === 'enterprise' && !variant.dialects.includes('postgres')
      ? 'dev-enterprise'
      : wanted === 'postgres' || wanted === 'scaling' || wanted === 'enterprise'
        ? 'prod'
        : 'dev';
  return `build a variant that carries it: \`node build.mjs ${prod}\` then \`node dist/${prod}/server.mjs\`, or add it to a flags/<variant>.json of your own`;
}
