// Entry point of every bundle: `server.mjs [serve|migrate] [options]`, `--help`, `--version`.
import { COMMANDS, MODULE_COMMANDS, parseCli } from './cli/args.js';
import { helpText } from './cli/help.js';
import { loadConfig, type Config } from './config/config.js';
import { DatabaseMisconfiguredError, DatabaseRefusedError } from './db/errors.js';
import { ConfigError } from './errors.js';
import { loadFeatures, moduleOptions } from './features.js';
import { registerApi } from './server/api.js';
import { buildApp } from './server/app.js';
import { describeBuild } from './server/health-routes.js';
import { bringUpDatabase, bringUpWithRetry, createShutdown, describeTarget } from './server/lifecycle.js';
import { createLogger, type Logger } from './server/logger.js';
import { ReadyFile } from './server/ready-file.js';
import { Runtime } from './server/runtime.js';
import { buildHint, variant } from './variant.js';
import type { Feature } from './features/feature.js';

function printVersion(features: ReturnType<typeof describeBuild>['features']): void {
  const lines = [
    `flagship ${variant.version}`,
    `variant: ${variant.name}`,
    `dialects: ${variant.dialects.join(', ')}`,
    `scaling: ${variant.scaling ? 'on' : 'off'}`,
    `enterprise: ${variant.enterprise ? 'on' : 'off'}`,
    `testing: ${variant.testing ? 'compiled in (served with --testing)' : 'off'}`,
  ];
  for (const f of features) lines.push(`  ${f.name}: ${f.summary}`);
  process.stdout.write(lines.join('\n') + '\n');
}

async function main(argv: string[]): Promise<number> {
  const extraOptions = await moduleOptions();
  const args = parseCli(argv, extraOptions);
  if (args.command === 'help') {
    process.stdout.write(helpText(extraOptions, await loadFeatures({ config: undefined, logger: createLogger('silent') })));
    return 0;
  }
  if (args.command === 'version') {
    // --version must work from an empty folder with no environment; with a usable one, modules describe it.
    let config;
    try {
      config = loadConfig(process.env, args.options, extraOptions);
    } catch {
      config = undefined;
    }
    const features = await loadFeatures({ config, logger: createLogger('silent') });
    printVersion(describeBuild(features).features);
    return 0;
  }
  const config = loadConfig(process.env, args.options, extraOptions);
  const core = (COMMANDS as readonly string[]).includes(args.command);
  // A feature command's stdout is its output; its logs go to stderr.
  const logger = createLogger(config.logLevel, core ? 1 : 2);
  const features = await loadFeatures({ config, logger });

  if (args.command === 'migrate') {
    // The features take part so one that opens the database (scaling: several hosts, find the primary) does here too.
    const db = await bringUpDatabase(config, features, logger, true);
    await db.close();
    return 0;
  }
  if (!core) return runFeatureCommand(args.command, args.rest, features, config, logger);

  const readyFile = config.readyFile === undefined ? undefined : new ReadyFile(config.readyFile);
  await readyFile?.claim();
  const runtime = new Runtime(config, features);
  const app = await buildApp({ runtime, logger, routes: registerApi });
  const shutdown = createShutdown({ app, runtime, logger });
  // Aborted by SIGTERM/SIGINT: start-up stops retrying at once instead of sleeping out its back-off.
  const stopping = new AbortController();
  const exitCode = new Promise<number>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.on(signal, () => {
        stopping.abort();
        void shutdown(signal).then(resolve);
      });
    }
    // Spawned with an IPC channel (as dist/dev/testing.mjs does), the server is its parent's: when the parent goes
    // away, even killed, the channel closes and the server stops rather than linger unseen.
    if (process.channel) {
      process.channel.unref();
      process.on('disconnect', () => {
        stopping.abort();
        void shutdown('disconnect').then(resolve);
      });
    }
  });
  const address = await app.listen({ port: config.port, host: config.host });
  // Every line already carries `variant` (the logger's base): the build's description adds the rest, not it twice.
  const { variant: _named, ...build } = describeBuild(runtime.features);
  logger.info({ address, ...build, database: describeTarget(config) }, `flagship listening on ${address}`);

  const started = bringUpWithRetry(runtime, logger, stopping.signal).then(async (db) => {
    if (db && !stopping.signal.aborted) {
      runtime.attach(db);
      const facts: Record<string, unknown> = {};
      for (const f of runtime.features) {
        // Not through runtime.domain(): that answers 503 until the server is ready, which this comes before.
        const fact = f.ready
          ? await f.ready({ db, changes: runtime.changes, clock: runtime.clock, tokenLifetimeMs: config.tokenLifetimeDays * 86_400_000 })
          : undefined;
        if (fact) facts[f.name] = fact;
      }
      runtime.state = 'ready';
      runtime.reason = '';
      const readyFacts = { url: address, pid: process.pid, variant: variant.name, ...facts };
      await readyFile?.write(readyFacts);
      // A parent holding an IPC channel (dist/dev/testing.mjs) gets the same facts over it: no file to leave behind.
      if (process.connected) process.send?.({ flagship: 'ready', ...readyFacts }, undefined, {}, () => undefined);
      logger.info({ dialect: db.dialect, url: address }, 'ready');
    } else {
      await db?.close();
    }
    return exitCode;
  });
  // A signal during start-up exits as soon as shutdown is done; a start-up failure rejects and exits non-zero.
  const code = await Promise.race([exitCode, started]);
  await readyFile?.remove();
  return code;
}

/** A command a feature adds (`audit verify`); one this build lacks is refused with how to get a build that has it. */
async function runFeatureCommand(name: string, rest: string[], features: readonly Feature[], config: Config, logger: Logger): Promise<number> {
  const command = features.flatMap((f) => f.commands ?? []).find((c) => c.name === name);
  if (!command) {
    const known = [...COMMANDS, ...features.flatMap((f) => f.commands ?? []).map((c) => c.name)].join(', ');
    const module = MODULE_COMMANDS[name];
    throw new ConfigError(
      module
        ? `the "${variant.name}" build does not carry the ${module} module, which the \`${name}\` command belongs to; ${buildHint(module)}`
        : `unknown command "${name}"; commands are ${known} (see --help)`,
    );
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
    if (err instanceof ConfigError || err instanceof DatabaseRefusedError || err instanceof DatabaseMisconfiguredError) {
      process.stderr.write(`flagship: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`flagship: ${(err as Error)?.message ?? String(err)}\n`);
    if (process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace') process.stderr.write(`${(err as Error)?.stack}\n`);
    process.exit(1);
  },
);
