// Only the dialect folders may touch a driver or a dialect's builders: the rest of the program speaks the Database
// contract and the dialect-neutral drizzle-orm entry point.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');
const DRIVER =
  /from\s+['"](pg|pg-pool|better-sqlite3|drizzle-orm\/node-postgres|drizzle-orm\/better-sqlite3|drizzle-orm\/pg-core|drizzle-orm\/sqlite-core)['"]/;
/** A dialect's builders, which a module's own folder for that dialect (src/enterprise/postgres/...) may use too. */
const BUILDERS: Record<string, RegExp> = {
  postgres: /from\s+['"]drizzle-orm\/pg-core['"]/g,
  sqlite: /from\s+['"]drizzle-orm\/sqlite-core['"]/g,
};

async function* files(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (entry.name.endsWith('.ts')) yield full;
  }
}

it("imports a driver or a dialect's builders (drizzle-orm/pg-core, /sqlite-core) nowhere outside src/db/sqlite/ and src/db/postgres/", async () => {
  const offenders: string[] = [];
  let seen = 0;
  for await (const file of files(SRC)) {
    const rel = path.relative(SRC, file);
    if (rel.startsWith('db/sqlite/') || rel.startsWith('db/postgres/')) continue;
    seen += 1;
    let text = await readFile(file, 'utf8');
    // A module keeps its dialect-only code in folders named for the dialect, which build.mjs proves absent from a
    // build without that dialect: there the dialect's schema builders are at home. Drivers stay in src/db/<dialect>/.
    for (const [dialect, builders] of Object.entries(BUILDERS)) if (rel.split(path.sep).includes(dialect)) text = text.replace(builders, '');
    if (DRIVER.test(text)) offenders.push(rel);
  }
  expect(seen).toBeGreaterThan(10);
  expect(offenders).toEqual([]);
});

it('takes row locks (a builder method only PostgreSQL has) only through src/domain/locks.ts, which asks the capability', async () => {
  const callers: string[] = [];
  for await (const file of files(SRC)) {
    if (/(?<!Symbol)\.for\(/.test(await readFile(file, 'utf8'))) callers.push(path.relative(SRC, file));
  }
  expect(callers).toEqual(['domain/locks.ts']);
});

it('keeps the database layer free of the scaling module: src/db/ names neither the module nor any option it declares', async () => {
  // The module's options, as it declares them (`env: 'NAME'`), wherever under src/scaling/ they live.
  const options = new Set<string>();
  for await (const file of files(path.join(SRC, 'scaling')))
    for (const m of (await readFile(file, 'utf8')).matchAll(/\benv:\s*'([A-Z0-9_]+)'/g)) options.add(m[1]!);
  expect(options).toContain('DATABASE_REPLICAS');
  const named = new RegExp(`scaling|${[...options].join('|')}`, 'i');
  const offenders: string[] = [];
  for await (const file of files(path.join(SRC, 'db'))) {
    const text = await readFile(file, 'utf8');
    const hit = named.exec(text);
    if (hit) offenders.push(`${path.relative(SRC, file)}: ${hit[0]}`);
  }
  expect(offenders).toEqual([]);
});
