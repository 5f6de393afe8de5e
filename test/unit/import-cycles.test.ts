// No import cycles under src/, type-only imports included: `npm run lint:cycles` (madge, a step of `npm test`) says so
// on every run. This proves that check is not vacuous: it resolves the `.js`-suffixed imports of the TypeScript
// sources (a check that resolved none would find no cycle anywhere), and it finds a cycle made of type imports alone.
import path from 'node:path';
import madge from 'madge';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const check = (dir: string) => madge(path.join(ROOT, dir), { fileExtensions: ['ts'], tsConfig: path.join(ROOT, 'tsconfig.json') });

describe('the import-cycle check', () => {
  it('finds a cycle of type-only imports written with .js suffixes', async () => {
    const result = await check('test/fixtures/import-cycle');
    expect(result.circular()).toEqual([['listing.ts', 'page.ts']]);
  });

  it('resolves every import under src/ and finds no cycle there', async () => {
    const result = await check('src');
    expect(result.warnings().skipped).toEqual([]);
    // The database contract is imported across the tree; an unresolved graph would list it nowhere.
    const importers = Object.values(result.obj()).filter((deps) => deps.includes('db/database.ts'));
    expect(importers.length).toBeGreaterThan(20);
    expect(result.circular()).toEqual([]);
  });
});
