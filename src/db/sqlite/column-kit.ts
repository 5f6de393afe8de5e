import { newId } from '../schema/new-id.js';
import { integer, text } from 'drizzle-orm/sqlite-core';
import type { ColumnKit, KitTypes } from '../schema/column-kit.js';

// SQLite has no boolean, timestamp or JSON type: booleans are 0/1 integers, instants are integer milliseconds since
// the epoch (so they keep milliseconds and carry no zone to lose), JSON is text.
const insertedAt = () =>
  integer({ mode: 'timestamp_ms' })
    .notNull()
    .$defaultFn(() => new Date());

export const sqliteKit = {
  id: () => text().primaryKey().$defaultFn(newId),
  text: () => text().notNull(),
  optionalText: () => text(),
  int: () => integer().notNull().default(0),
  bool: () => integer({ mode: 'boolean' }).notNull().default(false),
  optionalTimestamp: () => integer({ mode: 'timestamp_ms' }),
  createdAt: insertedAt,
  updatedAt: insertedAt,
  labels: () => text({ mode: 'json' }).$type<string[]>().notNull().default([]),
} satisfies ColumnKit<KitTypes>;

export type SqliteKitTypes = { [K in keyof typeof sqliteKit]: ReturnType<(typeof sqliteKit)[K]> };
