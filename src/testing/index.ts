// The testing module: what a test suite needs and production must never carry. Compiled in only where the flags say
// "testing": true (build.mjs proves it absent elsewhere) and loaded only on a server started with --testing, which
// the configuration refuses on a database that outlives the process unless --testing-allow-persistent says so.
import { readFile } from 'node:fs/promises';
import { readProblem } from '../config/file-problem.js';
import { ConfigError } from '../errors.js';
import type { Feature, FeatureContext } from '../features/feature.js';
import { validatorCompiler } from '../server/validation.js';
import { MovableClock } from './clock.js';
import type { TestingSettings } from './options.js';
import { testingPlugin } from './plugin.js';
import { applySeed } from './seed.js';
import { SeedSchema } from './seed-schema.js';
import type { Seed } from './start-flagship.js';

/** Reads and checks --seed before the server listens, so a bad file stops it at once with the problems listed. */
async function loadSeedFile(file: string): Promise<Seed> {
  const hint = 'give a JSON file holding {"org": {...}, "members": [...], "projects": [...]} (see the README\'s "Test server" section)';
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`--seed ${file} ${readProblem(err)}; ${hint}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Not the parser's message: it quotes the start of the file, which may be anything (/etc/shadow).
    throw new ConfigError(`--seed ${file} is not JSON; ${hint}`);
  }
  const validate = validatorCompiler()({ schema: SeedSchema, httpPart: 'body', method: 'POST', url: '--seed' });
  if (!validate(value)) {
    const problems = ((validate as unknown as { errors?: Array<{ instancePath: string; message?: string }> }).errors ?? []).map(
      (e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`,
    );
    throw new ConfigError(`--seed ${file} is not a valid seed: ${problems.join('; ')}`);
  }
  return value as Seed;
}

export async function createTesting(ctx: FeatureContext<TestingSettings>): Promise<Feature> {
  const clock = new MovableClock();
  const seedFile = ctx.settings?.seed;
  const seed = seedFile === undefined ? undefined : await loadSeedFile(seedFile);
  return {
    name: 'testing',
    summary: 'test-only tools under /testing (seed, reset, clock); started with --testing',
    clock,
    async ready(domain) {
      if (!seed) return undefined;
      const seeded = await applySeed(domain, seed);
      ctx.logger.info({ org: seeded.org.slug, members: Object.keys(seeded.members).length }, 'seeded from --seed');
      return { seeded };
    },
    plugin: testingPlugin(clock),
  };
}
