// Entry point of every bundle: `server.mjs [serve|migrate] [options]`, `--help`, `--version`. It reads the
// configuration, has the loader (features.ts) load the modules, and hands over: `serve` to the lifecycle
// (server/lifecycle.ts), `migrate` and the modules' commands here. Errors end the process with their own exit code.
import { COMMANDS, parseCli } from './cli/args.js';
import { helpText } from './cli/help.js';
import { loadConfiguration, type Config } from './config/config.js';
import { ConfigError, exitCodeOf } from './errors.js';
import { lackedCommand, lackedEnvironment, lackedOption, loadFeatures, moduleDeclarations } from './features.js';
import { describeBuild } from './server/health-routes.js';
import { bringUpDatabase, serve } from './server/lifecycle.js';
import { createLogger, type Logger } from './server/logger.js';
import { describeVariant } from './variant.js';
import type { Feature } from './features/feature.js';

function printVersion(features: ReturnType<typeof describeBuild>['features']): void {
  const lines = describeVariant();
  for (const f of features) lines.push(`  ${f.name}: ${f.summary}`);
  process.stdout.write(lines.join('\n') + '\n');
}

async function main(argv: string[]): Promise<number> {
  const declarations = await moduleDeclarations();
  const args = parseCli(
    argv,
    declarations.flatMap((d) => d.options),
    lackedOption,
  );
  if (args.command === 'help') {
    const features = await loadFeatures({ config: undefined, settings: undefined, logger: createLogger('silent') });
    process.stdout.write(helpText(declarations, features));
    return 0;
  }
  if (args.command === 'version') {
    // --version must work from an empty folder with no environment; with a usable one, modules describe it.
    let loaded;
    try {
      loaded = loadConfiguration(process.env, args.options, declarations);
    } catch {
      loaded = undefined;
    }
    const features = await loadFeatures({ config: loaded?.config, settings: loaded?.settings, logger: createLogger('silent') });
    printVersion(describeBuild(features).features);
    return 0;
  }
  const { config, settings } = loadConfiguration(process.env, args.options, declarations);
  const core = (COMMANDS as readonly string[]).includes(args.command);
  // A feature command's stdout is its output; its logs go to stderr.
  const logger = createLogger(config.logLevel, core ? 1 : 2);
  for (const warning of lackedEnvironment(process.env)) logger.warn(warning);
  const features = await loadFeatures({ config, settings, logger });

  if (args.command === 'migrate') {
    // The features take part so one that opens the database (several hosts, find the primary) does here too.
    const db = await bringUpDatabase(config, features, logger, true);
    await db.close();
    return 0;
  }
  if (!core) return runFeatureCommand(args.command, args.rest, features, config, logger);
  return serve(config, features, logger);
}

/** A command a feature adds (`audit verify`); one this build lacks is refused with how to get a build that has it. */
async function runFeatureCommand(name: string, rest: string[], features: readonly Feature[], config: Config, logger: Logger): Promise<number> {
  const command = features.flatMap((f) => f.commands ?? []).find((c) => c.name === name);
  if (!command) {
    const known = [...COMMANDS, ...features.flatMap((f) => f.commands ?? []).map((c) => c.name)].join(', ');
    throw new ConfigError(lackedCommand(name) ?? `unknown command "${name}"; commands are ${known} (see --help)`);
  }
  return command.run({
    config,
    logger,
    args: rest,
    // Migrated like `serve` does (MIGRATE_ON_START decides), so a command never meets a schema older than itself.
    openDatabase: () => bringUpDatabase(config, features, logger, config.migrateOnStart),
    stdout: (text) => process.stdout.write(text),
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const code = exitCodeOf(err);
    process.stderr.write(`flagship: ${(err as Error)?.message ?? String(err)}\n`);
    // A configuration problem is the whole story; anything else may need its stack to be understood.
    if (code !== 2 && (process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace')) process.stderr.write(`${(err as Error)?.stack}\n`);
    process.exit(code);
  },
);
