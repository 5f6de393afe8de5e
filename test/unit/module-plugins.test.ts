// Each module's HTTP is a fastify-plugin naming the core plugin it depends on and the core decorators it uses, so a
// module registered where the core's decorators are missing stops at registration with Fastify's own error, naming
// what is missing, rather than failing on the first request.
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { loadConfiguration } from '../../src/config/config.js';
import { createEnterprise } from '../../src/enterprise/index.js';
import { enterpriseOptions } from '../../src/enterprise/options.js';
import { moduleDeclarations } from '../../src/features.js';
import type { Feature } from '../../src/features/feature.js';
import { createScaling } from '../../src/scaling/index.js';
import { CORE_PLUGIN } from '../../src/server/decorators.js';
import { HealthReportNameTakenError, HealthReports } from '../../src/server/health-reports.js';
import { createLogger } from '../../src/server/logger.js';
import { createTesting } from '../../src/testing/index.js';
import { testingOptions } from '../../src/testing/options.js';

async function modules(): Promise<Feature[]> {
  const { config, settings } = loadConfiguration({ DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'silent' }, {}, await moduleDeclarations());
  const logger = createLogger('silent');
  return [
    await createScaling({ config: undefined, logger }),
    await createEnterprise({ config, settings: settings.of(enterpriseOptions), logger }),
    await createTesting({ config, settings: settings.of(testingOptions), logger }),
  ];
}

describe("a module's plugin checks the core's decorators at registration", async () => {
  const features = await modules();

  it.each(features.map((f) => [f.name, f] as const))('%s: on an instance without the core, it names a missing decorator', async (name, feature) => {
    const app = Fastify();
    await expect(app.register(feature.plugin!).ready()).rejects.toThrow(
      new RegExp(`The decorator '\\w+' required by 'flagship-${name}' is not present in Fastify`),
    );
    await app.close();
  });

  it.each(features.map((f) => [f.name, f] as const))('%s: with look-alike decorators but no core plugin, it names the dependency', async (name, feature) => {
    const app = Fastify();
    for (const decorator of ['requireAccess', 'requireOperator', 'principalOf', 'domainOf', 'permissions', 'metrics', 'healthReports', 'apiDocument']) {
      app.decorate(decorator, {});
    }
    await expect(app.register(feature.plugin!).ready()).rejects.toThrow(`The dependency '${CORE_PLUGIN}' of plugin 'flagship-${name}' is not registered`);
    await app.close();
  });
});

describe('health facts added by the modules', () => {
  it('are read at each collection, in the order added; none at all adds no featureHealth', async () => {
    const reports = new HealthReports();
    expect(await reports.collect()).toBeUndefined();
    let calls = 0;
    reports.add('b', async () => ({ calls: ++calls }));
    reports.add('a', async () => ({ fixed: true }));
    expect(JSON.stringify(await reports.collect())).toBe('{"b":{"calls":1},"a":{"fixed":true}}');
    expect(await reports.collect()).toEqual({ b: { calls: 2 }, a: { fixed: true } });
  });

  it('one name reports once: a second module under the same name is refused, naming it', () => {
    const reports = new HealthReports();
    reports.add('scaling', async () => ({}));
    expect(() => reports.add('scaling', async () => ({}))).toThrow(HealthReportNameTakenError);
    expect(() => reports.add('scaling', async () => ({}))).toThrow("health facts named 'scaling' are added twice");
  });
});
