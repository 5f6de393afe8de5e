// The README's tables are made from the code: configuration from the option table in src/config/options.ts, errors
// from the catalogue in src/errors.ts, limits from the schemas' limits.
// To refresh them after a change: UPDATE_DOCS=1 npx vitest run test/unit/docs.test.ts
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { optionsTable } from '../../src/config/options-table.js';
import * as dbErrors from '../../src/db/errors.js';
import * as errors from '../../src/errors.js';
import { AppError, ERROR_CATALOGUE, type AppErrorClass } from '../../src/errors.js';
import { moduleDeclarations } from '../../src/features.js';
import { errorTable, limitTable } from '../support/readme-tables.js';

const README = path.resolve(import.meta.dirname, '../../README.md');

function expectSection(name: string, wanted: string): void {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const text = readFileSync(README, 'utf8');
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  expect(from, `README.md lacks the ${name} markers`).toBeGreaterThan(-1);
  expect(to, `README.md lacks the ${name} end marker`).toBeGreaterThan(from);
  const current = text.slice(from + start.length, to).trim();
  if (process.env.UPDATE_DOCS === '1' && current !== wanted) {
    writeFileSync(README, `${text.slice(0, from + start.length)}\n${wanted}\n${text.slice(to)}`);
    return;
  }
  expect(current, `README.md ${name} table is stale; run UPDATE_DOCS=1 npx vitest run test/unit/docs.test.ts`).toBe(wanted);
}

it('README.md lists every configuration option as src/config/options.ts and the modules define it', async () => {
  expectSection('options', optionsTable(await moduleDeclarations()));
});

it('README.md lists every error of the catalogue in src/errors.ts, with its status and code', () => {
  expectSection('errors', errorTable());
});

it('README.md lists the limits the schemas enforce', () => {
  expectSection('limits', limitTable());
});

it('the error catalogue covers every error class the server can answer with', () => {
  const catalogued = ERROR_CATALOGUE.map((e) => e.type);
  const codes = new Set(ERROR_CATALOGUE.map((e) => (Reflect.construct(e.type, ['']) as AppError).code));
  const exported: unknown[] = [...Object.values(errors), ...Object.values(dbErrors)];
  const classes = exported.filter((v): v is AppErrorClass => typeof v === 'function' && v.prototype instanceof AppError);
  expect(classes.length).toBeGreaterThan(10);
  // A subclass answers with its parent's code (DatabaseUnavailableError is an `unavailable`); the rest need a row.
  const missing = classes.filter(
    (c) => !catalogued.some((k) => c === k || c.prototype instanceof k) && !codes.has((Reflect.construct(c, [{}]) as AppError).code),
  );
  expect(missing.map((c) => c.name)).toEqual([]);
});
