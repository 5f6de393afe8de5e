// The module loader (src/features.ts): the slots the core has once are claimed by one module at most, each refusal
// naming both modules; migration tags carry their module's name; the core outside the loader never names a module.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { ModuleConflictError, exitCodeOf } from '../../src/errors.js';
import {
  checkOptions,
  checkSlots,
  LACKED_MODULE_OPTIONS,
  LACKED_TESTING_OPTIONS,
  lackedCommand,
  loadFeatures,
  moduleDeclarations,
} from '../../src/features.js';
import { ENTERPRISE_OPTIONS } from '../../src/enterprise/options.js';
import { SCALING_OPTIONS } from '../../src/scaling/options.js';
import type { Feature } from '../../src/features/feature.js';
import type { ModuleOptions } from '../../src/config/module-options.js';
import { bringUpDatabase } from '../../src/server/lifecycle.js';
import { createLogger } from '../../src/server/logger.js';
import { systemClock } from '../../src/domain/clock.js';
import { keepNoChanges } from '../../src/domain/changes.js';
import { ignoreSecurityEvents } from '../../src/domain/security-events.js';
import { TESTING_OPTIONS } from '../../src/testing/options.js';

const module = (name: string, slots: Partial<Feature> = {}): Feature => ({ name, summary: `${name} fixture`, ...slots });

describe('slots the core has once', () => {
  const slots: Array<[string, Partial<Feature>]> = [
    ['openDatabase', { openDatabase: async () => Promise.reject(new Error('not opened in this test')) }],
    ['authorizer', { authorizer: () => ({}) as never }],
    ['changeRecorder', { changeRecorder: () => keepNoChanges }],
    ['securityEvents', { securityEvents: () => ignoreSecurityEvents }],
    ['clock', { clock: systemClock }],
  ];

  it.each(slots)('two modules supplying %s are refused, naming both', (slot, part) => {
    const both = [module('alpha', part), module('beta', part)];
    expect(() => checkSlots(both)).toThrow(ModuleConflictError);
    expect(() => checkSlots(both)).toThrow(`modules "alpha" and "beta" both supply \`${slot}\`, which takes one`);
    // One of them alone, or beside a module without the slot, is fine.
    expect(() => checkSlots([module('alpha', part), module('beta')])).not.toThrow();
  });

  it('lists every conflict in one error, which exits 1', () => {
    const err = (() => {
      try {
        checkSlots([
          module('alpha', { clock: systemClock, changeRecorder: () => keepNoChanges }),
          module('beta', { clock: systemClock, changeRecorder: () => keepNoChanges }),
        ]);
      } catch (e) {
        return e as ModuleConflictError;
      }
      throw new Error('checkSlots accepted two clocks');
    })();
    expect(err.problems).toHaveLength(2);
    expect(err.message).toMatch(/^2 module conflicts:/);
    expect(exitCodeOf(err)).toBe(1);
  });

  it('refuses two modules of one name, and a command taken twice or from the core', () => {
    const command = (name: string) => ({ name, help: [], run: async () => 0 });
    expect(() => checkSlots([module('alpha'), module('alpha')])).toThrow(/2 modules are named "alpha"/);
    expect(() => checkSlots([module('alpha', { commands: [command('audit')] }), module('beta', { commands: [command('audit')] })])).toThrow(
      'module "beta" adds the command `audit`, which module "alpha" adds too',
    );
    expect(() => checkSlots([module('alpha', { commands: [command('migrate')] })])).toThrow('module "alpha" adds the command `migrate`, which the core has');
  });

  it('loads the modules of this build without a conflict', async () => {
    const features = await loadFeatures({ config: undefined, settings: undefined, logger: createLogger('silent') });
    expect(features.map((f) => f.name)).toEqual(['scaling', 'enterprise']);
  });
});

describe('options', () => {
  const declaring = (module: string, flag: string, env: string): ModuleOptions => ({
    module,
    options: [{ key: 'x', flag, env, type: 'string', help: 'fixture' }],
    settings: () => undefined,
  });

  it('refuses a module option under a flag or variable the core or another module reads, naming both', () => {
    expect(() => checkOptions([declaring('alpha', 'port', 'ALPHA_PORT')])).toThrow('module "alpha" declares the option --port, which the core reads already');
    expect(() => checkOptions([declaring('alpha', 'alpha-x', 'SHARED_X'), declaring('beta', 'beta-x', 'SHARED_X')])).toThrow(
      'module "beta" declares the option SHARED_X, which module "alpha" reads already',
    );
    expect(() => checkOptions([declaring('alpha', 'alpha-x', 'ALPHA_X'), declaring('beta', 'beta-x', 'BETA_X')])).not.toThrow();
  });

  it("accepts this build's modules", async () => {
    expect(() => checkOptions([])).not.toThrow();
    await expect(moduleDeclarations()).resolves.toHaveLength(3);
  });
});

describe('migration tags', () => {
  it("refuses a module migration not tagged with the module's name, before any is applied", async () => {
    const config = loadConfig({ DATABASE_URL: 'sqlite::memory:' });
    const untagged = module('alpha', { migrations: async () => [{ tag: '0000_users', hash: 'x', statements: ['create table alpha_users (id integer)'] }] });
    await expect(bringUpDatabase(config, [untagged], createLogger('silent'), true)).rejects.toThrow(
      'module "alpha" has a migration tagged "0000_users", which could collide with the core\'s or another module\'s; tag it "alpha:0000_users"',
    );
    const tagged = module('alpha', { migrations: async () => [{ tag: 'alpha:0000_users', hash: 'x', statements: ['create table alpha_users (id integer)'] }] });
    const db = await bringUpDatabase(config, [tagged], createLogger('silent'), true);
    await db.close();
  });
});

describe('a module this build lacks', () => {
  it('has its testing options read only to be refused, with the rows the testing module declares', () => {
    const shape = ({ key, env, flag, type, default: def }: (typeof TESTING_OPTIONS)[number]) => ({ key, env, flag, type, def });
    expect(LACKED_TESTING_OPTIONS.map(shape)).toEqual(TESTING_OPTIONS.map(shape));
  });

  it("knows the names of each lackable module's options, as the module declares them", () => {
    const names = (rows: ReadonlyArray<{ env: string; flag: string }>) => rows.map(({ env, flag }) => ({ env, flag }));
    expect(LACKED_MODULE_OPTIONS).toEqual({ scaling: names(SCALING_OPTIONS), enterprise: names(ENTERPRISE_OPTIONS) });
  });

  it('names the module a lacked command belongs to', () => {
    expect(lackedCommand('audit')).toMatch(/does not carry the enterprise module, which the `audit` command belongs to; build a variant that carries it/);
    expect(lackedCommand('frobnicate')).toBeUndefined();
  });

  it('hands the README and --help every option of the modules compiled in (all of them here)', async () => {
    const declarations = await moduleDeclarations();
    expect(declarations.map((d) => [d.module, d.absent ?? false])).toEqual([
      ['scaling', false],
      ['enterprise', false],
      ['testing', false],
    ]);
  });
});

describe('the core never names a module', () => {
  const SRC = path.resolve(import.meta.dirname, '../../src');
  // The modules' folders, the loader, and the files that declare the build flags as data.
  const ALLOWED = [/^(scaling|enterprise|testing)\//, /^features\.ts$/, /^variant\.ts$/, /^flags\.d\.ts$/];
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((e) => {
      const p = path.join(dir, e);
      return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
    });
  // Comments may say what a seam is for; code, strings and imports may not name a module.
  const code = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

  it('outside src/scaling/, src/enterprise/, src/testing/, the loader and the variant flags', () => {
    const named = files(SRC).flatMap((file) => {
      const rel = path.relative(SRC, file).split(path.sep).join('/');
      if (ALLOWED.some((r) => r.test(rel))) return [];
      return code(readFileSync(file, 'utf8'))
        .split('\n')
        .flatMap((line, i) => (/\b(scaling|enterprise|testing)\b|__FLAG_[A-Z]+__/i.test(line) ? [`src/${rel}:${i + 1}: ${line.trim()}`] : []));
    });
    expect(named).toEqual([]);
  });
});
