// Entry point of every bundle: `server.mjs [serve|migrate] [options]`, `--help`, `--version`.
import { parseCli } from './cli/args.js';
import { helpText } from './cli/help.js';
import { loadConfig } from './config/config.js';
import { DatabaseMisconfiguredError, DatabaseRefusedError } from './db/errors.js';
import { ConfigError } from './errors.js';
import { loadFeatures, moduleOptions } from './features.js';
import { registerApi } from './server/api.js';
import { buildApp } from './server/app.js';
import { describeBuild } from './server/health-routes.js';
import { bringUpDatabase, bringUpWithRetry, createShutdown, describeTarget } from './server/lifecycle.js';
import { createLogger } from './server/logger.js';
import { Runtime } from './server/runtime.js';
import { variant } from './variant.js';

function printVersion(features: ReturnType<typeof describeBuild>['features']): void {
  const lines = [`flagship ${variant.version}`, `variant: ${variant.name}`, `dialects: ${variant.dialects.join(', ')}`, `scaling: ${variant.scaling ? 'on' : 'off'}`, `enterprise: ${variant.enterprise ? 'on' : 'off'}`];
  for (const f of features) lines.push(`  ${f.name}: ${f.summary}`);
  process.stdout.write(lines.join('\n') + '\n');
}

async function main(argv: string[]): Promise<number> {
  const extraOptions = await moduleOptions();
  const args = parseCli(argv, extraOptions);
  if (args.command === 'help') {
    process.stdout.write(helpText(extraOptions));
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
  const logger = createLogger(config.logLevel);
  const features = await loadFeatures({ config, logger });

  if (args.command === 'migrate') {
    // The features take part so one that opens the database (scaling: several hosts, find the primary) does here too.
    const db = await bringUpDatabase(config, features, logger, true);
    await db.close();
    return 0;
  }

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
  });
  const address = await app.listen({ port: config.port, host: config.host });
  logger.info({ address, ...describeBuild(runtime.features), database: describeTarget(config) }, `flagship listening on ${address}`);

  const started = bringUpWithRetry(runtime, logger, stopping.signal).then(async (db) => {
    if (db && !stopping.signal.aborted) {
      runtime.attach(db);
      runtime.state = 'ready';
      runtime.reason = '';
      logger.info({ dialect: db.dialect }, 'ready');
    } else {
      await db?.close();
    }
    return exitCode;
  });
  // A signal during start-up exits as soon as shutdown is done; a start-up failure rejects and exits non-zero.
  return Promise.race([exitCode, started]);
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
