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

/** The flags as /healthz shows them. */
export function variantFlags() {
  return { dialects: variant.dialects, scaling: variant.scaling, enterprise: variant.enterprise, testing: variant.testing };
}

/** The variant in one phrase, for --help: `"dev": sqlite, ...`. */
export function variantPhrase(): string {
  return `variant "${variant.name}": ${variant.dialects.join(' + ')}${variant.scaling ? ', scaling' : ''}${variant.enterprise ? ', enterprise' : ''}`;
}

/** The lines --version prints before the features describe themselves. */
export function describeVariant(): string[] {
  return [
    `flagship ${variant.version}`,
    `variant: ${variant.name}`,
    `dialects: ${variant.dialects.join(', ')}`,
    `scaling: ${variant.scaling ? 'on' : 'off'}`,
    `enterprise: ${variant.enterprise ? 'on' : 'off'}`,
    `testing: ${variant.testing ? 'compiled in (served with --testing)' : 'off'}`,
  ];
}

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
