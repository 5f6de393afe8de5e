// The two dialects' generated migrations describe one schema: the same tables, columns (name, nullability, primary
// key, default), indexes (columns, uniqueness), composite primary keys and foreign keys (columns, target, on delete).
// Only the column types differ, as the column kits intend. drizzle-kit's snapshot of the latest migration is what it
// generated from; migrations-current.test.ts keeps the snapshots in step with the schema.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface SnapshotTable {
  name: string;
  columns: Record<string, { name: string; primaryKey: boolean; notNull: boolean; default?: unknown }>;
  indexes: Record<string, { name: string; columns: Array<string | { expression: string }>; isUnique: boolean }>;
  foreignKeys: Record<
    string,
    { name: string; tableFrom: string; tableTo: string; columnsFrom: string[]; columnsTo: string[]; onDelete?: string; onUpdate?: string }
  >;
  compositePrimaryKeys: Record<string, { name: string; columns: string[] }>;
  uniqueConstraints: Record<string, unknown>;
}

async function latestSnapshot(dialect: 'sqlite' | 'postgres'): Promise<SnapshotTable[]> {
  const dir = path.join(ROOT, 'src/db', dialect, 'migrations/meta');
  const journal = JSON.parse(await readFile(path.join(dir, '_journal.json'), 'utf8')) as { entries: Array<{ idx: number }> };
  const last = Math.max(...journal.entries.map((e) => e.idx));
  const snapshot = JSON.parse(await readFile(path.join(dir, `${String(last).padStart(4, '0')}_snapshot.json`), 'utf8')) as {
    tables: Record<string, SnapshotTable>;
  };
  return Object.values(snapshot.tables);
}

/** A table as both dialects must agree on it: everything but the column types and dialect-only index options. */
function shape(table: SnapshotTable) {
  const byName = <T>(record: Record<string, T>, pick: (v: T) => unknown) =>
    Object.fromEntries(
      Object.entries(record)
        .map(([k, v]) => [k, pick(v)])
        .sort(([a], [b]) => String(a).localeCompare(String(b))),
    );
  // JSON defaults are stored as text on SQLite ('[]') and as jsonb on Postgres ('[]'::jsonb): compare the value.
  const value = (d: unknown) => (typeof d === 'string' ? d.replace(/^'(.*)'(::jsonb)?$/, '$1') : d);
  return {
    columns: byName(table.columns, (c) => ({ primaryKey: c.primaryKey, notNull: c.notNull, default: value(c.default) })),
    indexes: byName(table.indexes, (i) => ({ columns: i.columns.map((c) => (typeof c === 'string' ? c : c.expression)), unique: i.isUnique })),
    foreignKeys: byName(table.foreignKeys, (f) => ({
      from: f.columnsFrom,
      to: `${f.tableTo}(${f.columnsTo.join(', ')})`,
      onDelete: f.onDelete,
      onUpdate: f.onUpdate,
    })),
    primaryKeys: byName(table.compositePrimaryKeys, (p) => p.columns),
    unique: Object.keys(table.uniqueConstraints).sort(),
  };
}

it('sqlite and postgres migrations carry the same tables, columns, indexes and foreign keys', async () => {
  const sqlite = await latestSnapshot('sqlite');
  const postgres = await latestSnapshot('postgres');
  const names = (tables: SnapshotTable[]) => tables.map((t) => t.name).sort();
  expect(names(sqlite)).toEqual(names(postgres));
  expect(names(postgres)).toContain('task_labels');
  for (const table of postgres) {
    const other = sqlite.find((t) => t.name === table.name)!;
    expect(shape(other), table.name).toEqual(shape(table));
  }
  // Not vacuous: the schema has keys of every kind to compare.
  const all = postgres.map(shape);
  expect(all.some((t) => Object.keys(t.indexes).length > 0 && Object.keys(t.foreignKeys).length > 0 && Object.keys(t.primaryKeys).length > 0)).toBe(true);
});
