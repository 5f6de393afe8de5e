import { randomUUID } from 'node:crypto';
import { integer, text } from 'drizzle-orm/sqlite-core';
import type { ColumnKit, KitTypes } from '../schema/column-kit.js';

// SQLite has no boolean, timestamp or JSON type: booleans are 0/1 integers, instants are integer milliseconds since
// the epoch (so they keep milliseconds and carry no zone to lose), JSON is text.
export const sqliteKit = {
  id: () => text().primaryKey().$defaultFn(() => randomUUID()),
  ref: () => text().notNull(),
  optionalRef: () => text(),
  text: () => text().notNull(),
  optionalText: () => text(),
  int: () => integer().notNull().default(0),
  bool: () => integer({ mode: 'boolean' }).notNull().default(false),
  timestamp: () => integer({ mode: 'timestamp_ms' }).notNull(),
  optionalTimestamp: () => integer({ mode: 'timestamp_ms' }),
  createdAt: () => integer({ mode: 'timestamp_ms' }).notNull().$defaultFn(() => new Date()),
  labels: () => text({ mode: 'json' }).$type<string[]>().notNull().default([]),
  json: () => text({ mode: 'json' }).$type<Record<string, unknown>>().notNull().default({}),
} satisfies ColumnKit<KitTypes>;

export type SqliteKitTypes = { [K in keyof typeof sqliteKit]: ReturnType<(typeof sqliteKit)[K]> };
