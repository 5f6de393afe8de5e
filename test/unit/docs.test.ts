// The README's configuration table is made from the option table in src/config/options.ts.
// To refresh it after changing an option: UPDATE_DOCS=1 npx vitest run test/unit/docs.test.ts
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { optionsTable } from '../../src/config/options-table.js';
import { moduleOptions } from '../../src/features.js';

const README = path.resolve(import.meta.dirname, '../../README.md');
const START = '<!-- options:start -->';
const END = '<!-- options:end -->';

it('README.md lists every configuration option as src/config/options.ts and the modules define it', async () => {
  const text = readFileSync(README, 'utf8');
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  expect(from, 'README.md lacks the options markers').toBeGreaterThan(-1);
  const current = text.slice(from + START.length, to).trim();
  const wanted = optionsTable(await moduleOptions());
  if (process.env.UPDATE_DOCS === '1' && current !== wanted) {
    writeFileSync(README, `${text.slice(0, from + START.length)}\n${wanted}\n${text.slice(to)}`);
    return;
  }
  expect(current, 'README.md configuration table is stale; run UPDATE_DOCS=1 npx vitest run test/unit/docs.test.ts').toBe(wanted);
});
