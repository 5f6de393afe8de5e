import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FlagsError, definesFor, loadVariant, validateFlags } from '../../build.mjs';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('flags files', () => {
  it('accepts the shipped variants', async () => {
    const dev = await loadVariant(path.join(ROOT, 'flags'), 'dev');
    const prod = await loadVariant(path.join(ROOT, 'flags'), 'prod');
    expect(dev.flags).toEqual({ dialects: ['sqlite'], scaling: false, enterprise: false, testing: true });
    expect(prod.flags).toEqual({ dialects: ['postgres'], scaling: true, enterprise: true, testing: false });
    expect(definesFor(dev, '1.2.3')).toEqual({
      __FLAG_SCALING__: 'false',
      __FLAG_ENTERPRISE__: 'false',
      __FLAG_TESTING__: 'true',
      __DIALECT_SQLITE__: 'true',
      __DIALECT_POSTGRES__: 'false',
      __VARIANT__: '"dev"',
      __VERSION__: '"1.2.3"',
    });
  });

  it('accepts a user variant such as SQLite + enterprise', () => {
    expect(validateFlags('flags/mine.json', { dialects: ['sqlite'], scaling: false, enterprise: true }).enterprise).toBe(true);
  });

  it('leaves the test-only tools out of a variant that does not ask for them', () => {
    expect(validateFlags('flags/mine.json', { dialects: ['sqlite'], scaling: false, enterprise: false }).testing).toBe(false);
    expect(() => validateFlags('flags/x.json', { dialects: ['sqlite'], scaling: false, enterprise: false, testing: 'yes' })).toThrow(
      /`testing` must be true or false, not "yes"/,
    );
  });

  it.each([
    [
      'an unknown key',
      { dialects: ['sqlite'], scaling: false, enterprise: false, sharding: true },
      /flags\/x\.json: unknown key `sharding`.*Remove or rename it/,
    ],
    ['a missing key', { dialects: ['sqlite'], scaling: false }, /missing key `enterprise`; set it to true or false/],
    ['a wrong type for a flag', { dialects: ['sqlite'], scaling: 'no', enterprise: false }, /`scaling` must be true or false, not "no"/],
    ['dialects that is not a list', { dialects: 'sqlite', scaling: false, enterprise: false }, /`dialects` must be a non-empty list/],
    ['no dialect at all', { dialects: [], scaling: false, enterprise: false }, /`dialects` is empty.*add "sqlite" or "postgres"/],
    ['an unknown dialect', { dialects: ['mysql'], scaling: false, enterprise: false }, /unknown dialect "mysql"/],
    ['a dialect twice', { dialects: ['sqlite', 'sqlite'], scaling: false, enterprise: false }, /lists a dialect twice/],
    [
      'scaling without postgres',
      { dialects: ['sqlite'], scaling: true, enterprise: false },
      /`scaling` needs the `postgres` dialect.*add "postgres" to `dialects` or set `scaling: false`/,
    ],
    ['not an object', ['sqlite'], /must hold a JSON object/],
  ])('refuses %s, naming the file, the key and the fix', (_name, value, message) => {
    expect(() => validateFlags('flags/x.json', value)).toThrow(FlagsError);
    expect(() => validateFlags('flags/x.json', value)).toThrow(message);
  });

  it('refuses a file that is not JSON, and a variant that does not exist', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flagship-flags-'));
    writeFileSync(path.join(dir, 'broken.json'), '{ "dialects": ["sqlite"], ');
    await expect(loadVariant(dir, 'broken')).rejects.toThrow(/broken\.json: not valid JSON .*Fix the syntax/);
    await expect(loadVariant(dir, 'absent')).rejects.toThrow(/no such variant file; known variants: broken/);
  });

  it('makes `node build.mjs` exit non-zero with the message', () => {
    const result = spawnSync(process.execPath, ['build.mjs', 'no-such-variant'], { cwd: ROOT, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/build failed: .*no-such-variant\.json: no such variant file; known variants: dev, dev-enterprise, prod/);
  });
});
