// The only place that knows which modules a variant carries. Each module is reached through a dynamic import written
// inside its own flag's branch: esbuild drops the dead import while parsing, so a variant that switches a module off
// carries none of its bytes (build.mjs proves it on every build).
import type { OptionSpec } from './config/options.js';
import type { Feature, FeatureContext } from './features/feature.js';

export async function loadFeatures(ctx: FeatureContext): Promise<Feature[]> {
  const features: Feature[] = [];
  if (__FLAG_SCALING__) {
    const { createScaling } = await import('./scaling/index.js');
    features.push(await createScaling(ctx));
  }
  if (__FLAG_ENTERPRISE__) {
    const { createEnterprise } = await import('./enterprise/index.js');
    features.push(await createEnterprise(ctx));
  }
  // Loaded only when asked for at start (config validation has already refused --testing where it may not run), so a
  // server started without --testing runs none of its code.
  if (__FLAG_TESTING__ && ctx.config?.testing) {
    const { createTesting } = await import('./testing/index.js');
    features.push(await createTesting(ctx));
  }
  return features;
}

/**
 * The options the compiled-in modules declare (each module owns its own), for --help, the command line, config
 * validation and the README table. Needed before the configuration exists, so apart from loadFeatures.
 */
export async function moduleOptions(): Promise<OptionSpec[]> {
  const options: OptionSpec[] = [];
  if (__FLAG_SCALING__) {
    const { SCALING_OPTIONS } = await import('./scaling/options.js');
    options.push(...SCALING_OPTIONS);
  }
  if (__FLAG_ENTERPRISE__) {
    const { ENTERPRISE_OPTIONS } = await import('./enterprise/options.js');
    options.push(...ENTERPRISE_OPTIONS);
  }
  return options;
}
