// The module loader: the only place that knows which modules a variant carries. Each module is reached through a
// dynamic import written inside its own flag's branch: esbuild drops the dead import while parsing, so a variant that
// switches a module off carries none of its bytes (build.mjs proves it on every build). It hands each module its typed
// settings and checks at start that the slots meant for one module have at most one.
import { COMMANDS } from './cli/args.js';
import type { ModuleOptions, ModuleSettings, OptionValues, SettingsContext } from './config/module-options.js';
import { OPTIONS, type OptionSpec } from './config/options.js';
import type { Config } from './config/config.js';
import { ModuleConflictError } from './errors.js';
import type { Feature } from './features/feature.js';
import type { Logger } from './server/logger.js';
import { buildHint, variant } from './variant.js';

/**
 * The test-only options as a build without the testing module reads them: only to refuse them, with which builds
 * carry them (test/unit/loader.test.ts keeps these rows equal to src/testing/options.ts).
 */
export const LACKED_TESTING_OPTIONS: readonly OptionSpec[] = Object.freeze([
  { key: 'testing', env: 'FLAGSHIP_TESTING', flag: 'testing', type: 'bool', default: 'false', help: '' },
  { key: 'testingAllowPersistent', env: 'FLAGSHIP_TESTING_ALLOW_PERSISTENT', flag: 'testing-allow-persistent', type: 'bool', default: 'false', help: '' },
  { key: 'seed', env: 'FLAGSHIP_SEED', flag: 'seed', type: 'string', help: '' },
] satisfies OptionSpec[]);

const lackedTesting: ModuleOptions<undefined> = Object.freeze({
  module: 'testing',
  options: LACKED_TESTING_OPTIONS,
  absent: true,
  settings(values: OptionValues, ctx: SettingsContext) {
    const asked = [
      ...(values.bool('testing') ? ['--testing'] : []),
      ...(values.bool('testingAllowPersistent') ? ['--testing-allow-persistent'] : []),
      ...(values.has('seed') ? ['--seed'] : []),
    ];
    if (asked.length > 0) {
      ctx.problem(
        `${asked.join(', ')}: the "${variant.name}" build does not carry the test-only tools (--testing, --testing-allow-persistent, --seed and their ` +
          'FLAGSHIP_ variables); they are compiled only into builds whose flags say "testing": true, such as dev. Run test suites against ' +
          'dist/dev/server.mjs, and start this build without these options',
      );
    }
    return undefined;
  },
});

/**
 * The options of the modules a build may lack, by module, as a build without the module reads them: a flag is refused
 * naming the module and the build that has it, a variable is ignored with a warning saying so
 * (test/unit/loader.test.ts keeps these names equal to the modules' own rows).
 */
export const LACKED_MODULE_OPTIONS: Readonly<Record<string, ReadonlyArray<{ readonly env: string; readonly flag: string }>>> = Object.freeze({
  scaling: [
    { env: 'DATABASE_REPLICAS', flag: 'database-replicas' },
    { env: 'FLAGSHIP_REGION', flag: 'region' },
    { env: 'REPLICA_MAX_LAG_BYTES', flag: 'replica-max-lag-bytes' },
    { env: 'REPLICA_MAX_LAG_S', flag: 'replica-max-lag-s' },
    { env: 'CREDENTIALS_WITHOUT_PRIMARY_MS', flag: 'credentials-without-primary-ms' },
    { env: 'DB_POOL_QUEUE_MAX', flag: 'db-pool-queue-max' },
    { env: 'DB_HEALTH_INTERVAL_MS', flag: 'db-health-interval-ms' },
  ],
  enterprise: [
    { env: 'AUDIT_KEY_FILE', flag: 'audit-key-file' },
    { env: 'AUDIT_CHECKPOINT_FILE', flag: 'audit-checkpoint-file' },
    { env: 'AUDIT_CHECKPOINT_INTERVAL', flag: 'audit-checkpoint-interval' },
  ],
});

/** The modules this build does not carry, of those that have options. */
function lackedModules(): string[] {
  return [...(__FLAG_SCALING__ ? [] : ['scaling']), ...(__FLAG_ENTERPRISE__ ? [] : ['enterprise'])];
}

/** Why `--flag` is unknown here when it belongs to a module this build lacks; undefined for an option nobody has. */
export function lackedOption(flag: string): string | undefined {
  const module = lackedModules().find((m) => LACKED_MODULE_OPTIONS[m]!.some((o) => o.flag === flag));
  if (module === undefined) return undefined;
  return `--${flag} belongs to the ${module} module, which the "${variant.name}" build does not carry; ${buildHint(module)}`;
}

/** Warnings for variables of modules this build lacks that are set in `env`: they change nothing here. */
export function lackedEnvironment(env: NodeJS.ProcessEnv): string[] {
  return lackedModules().flatMap((module) =>
    LACKED_MODULE_OPTIONS[module]!.filter((o) => env[o.env] !== undefined && env[o.env] !== '').map(
      (o) => `${o.env} is set, but it belongs to the ${module} module, which the "${variant.name}" build does not carry: it is ignored; ${buildHint(module)}`,
    ),
  );
}

/** Commands of modules a build may lack, with the module: a build without it says how to get one that has it. */
const MODULE_COMMANDS: Readonly<Record<string, string>> = Object.freeze({ audit: 'enterprise' });

/**
 * The option declarations of every module compiled in, for --help, the command line, config validation and the
 * README table; plus, for a module compiled out whose options must be refused rather than unknown, a declaration
 * marked `absent`. Needed before the configuration exists, so apart from loadFeatures.
 */
export async function moduleDeclarations(): Promise<ModuleOptions[]> {
  const declarations: ModuleOptions[] = [];
  if (__FLAG_SCALING__) {
    const { scalingOptions } = await import('./scaling/options.js');
    declarations.push(scalingOptions as ModuleOptions);
  }
  if (__FLAG_ENTERPRISE__) {
    const { enterpriseOptions } = await import('./enterprise/options.js');
    declarations.push(enterpriseOptions as ModuleOptions);
  }
  if (__FLAG_TESTING__) {
    const { testingOptions } = await import('./testing/options.js');
    declarations.push(testingOptions as ModuleOptions);
  } else {
    declarations.push(lackedTesting as ModuleOptions);
  }
  checkOptions(declarations);
  return declarations;
}

/**
 * Refuses an option a module declares under a flag or variable the core or another module already reads: both would
 * take the one value. The message names both owners.
 */
export function checkOptions(declarations: readonly ModuleOptions[]): void {
  const problems: string[] = [];
  const owners = new Map<string, string>();
  const claim = (name: string, owner: string) => {
    const first = owners.get(name);
    if (first === undefined) owners.set(name, owner);
    else problems.push(`${owner} declares the option ${name}, which ${first} reads already; give it a name of its own`);
  };
  for (const o of OPTIONS) {
    claim(`--${o.flag}`, 'the core');
    claim(o.env, 'the core');
  }
  for (const d of declarations) {
    for (const o of d.options) {
      claim(`--${o.flag}`, `module "${d.module}"`);
      claim(o.env, `module "${d.module}"`);
    }
  }
  if (problems.length > 0) throw new ModuleConflictError(problems);
}

export interface LoadContext {
  /** Undefined when the build only describes itself (--version, --help) without a usable configuration. */
  readonly config: Config | undefined;
  /** Each module's settings, from the same load as `config`. */
  readonly settings: ModuleSettings | undefined;
  readonly logger: Logger;
}

/** The modules of this build, each given its typed settings; throws ModuleConflictError when two claim one slot. */
export async function loadFeatures({ config, settings, logger }: LoadContext): Promise<Feature[]> {
  const features: Feature[] = [];
  if (__FLAG_SCALING__) {
    const [{ createScaling }, { scalingOptions }] = await Promise.all([import('./scaling/index.js'), import('./scaling/options.js')]);
    features.push(await createScaling({ config, settings: settings?.of(scalingOptions), logger }));
  }
  if (__FLAG_ENTERPRISE__) {
    const [{ createEnterprise }, { enterpriseOptions }] = await Promise.all([import('./enterprise/index.js'), import('./enterprise/options.js')]);
    features.push(await createEnterprise({ config, settings: settings?.of(enterpriseOptions), logger }));
  }
  // Loaded only when asked for at start (its settings have already refused --testing where it may not run), so a
  // server started without --testing runs none of its code.
  if (__FLAG_TESTING__) {
    const { testingOptions } = await import('./testing/options.js');
    const testing = settings?.of(testingOptions);
    if (testing?.testing) {
      const { createTesting } = await import('./testing/index.js');
      features.push(await createTesting({ config, settings: testing, logger }));
    }
  }
  checkSlots(features);
  return features;
}

/** The slots of the core that one module at most may fill. */
const SINGLE_SLOTS = ['openDatabase', 'authorizer', 'changeRecorder', 'securityEvents', 'clock'] as const satisfies ReadonlyArray<keyof Feature>;

/**
 * Refuses features that claim one slot twice: two modules of one name, two that open the database, supply the
 * authorizer, the change recorder, the security events or the clock, or two commands of one name. Each message names
 * both modules.
 */
export function checkSlots(features: readonly Feature[]): void {
  const problems: string[] = [];
  const names = new Map<string, number>();
  for (const f of features) names.set(f.name, (names.get(f.name) ?? 0) + 1);
  for (const [name, count] of names) if (count > 1) problems.push(`${count} modules are named "${name}"; each module needs a name of its own`);
  for (const slot of SINGLE_SLOTS) {
    const claimants = features.filter((f) => f[slot] !== undefined).map((f) => f.name);
    if (claimants.length > 1) {
      problems.push(`modules ${claimants.map((n) => `"${n}"`).join(' and ')} both supply \`${slot}\`, which takes one; build a variant with one of them`);
    }
  }
  const commands = new Map<string, string>(COMMANDS.map((c) => [c, 'the core']));
  for (const f of features) {
    for (const c of f.commands ?? []) {
      const owner = commands.get(c.name);
      if (owner !== undefined)
        problems.push(`module "${f.name}" adds the command \`${c.name}\`, which ${owner === 'the core' ? 'the core has' : `module "${owner}" adds too`}`);
      else commands.set(c.name, f.name);
    }
  }
  if (problems.length > 0) throw new ModuleConflictError(problems);
}

/** The refusal for `command` when this build lacks the module that adds it; undefined for a command nobody adds. */
export function lackedCommand(command: string): string | undefined {
  const module = MODULE_COMMANDS[command];
  if (module === undefined) return undefined;
  return `the "${variant.name}" build does not carry the ${module} module, which the \`${command}\` command belongs to; ${buildHint(module)}`;
}
