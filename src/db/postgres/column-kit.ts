import { randomUUID } from 'node:crypto';
import { boolean, integer, jsonb, text, timestamp } from 'drizzle-orm/pg-core';
import type { ColumnKit, KitTypes } from '../schema/column-kit.js';

// Instants are `timestamptz(3)`: millisecond precision like JavaScript's Date, stored in UTC whatever the session
// time zone. JSON is jsonb.
const instant = () => timestamp({ precision: 3, withTimezone: true, mode: 'date' });

export const postgresKit = {
  id: () => text().primaryKey().$defaultFn(() => randomUUID()),
  ref: () => text().notNull(),
  optionalRef: () => text(),
  text: () => text().notNull(),
  optionalText: () => text(),
  int: () => integer().notNull().default(0),
  bool: () => boolean().notNull().default(false),
  timestamp: () => instant().notNull(),
  optionalTimestamp: () => instant(),
  createdAt: () => instant().notNull().$defaultFn(() => new Date()),
  labels: () => jsonb().$type<string[]>().notNull().default([]),
  json: () => jsonb().$type<Record<string, unknown>>().notNull().default({}),
} satisfies ColumnKit<KitTypes>;

export type PostgresKitTypes = { [K in keyof typeof postgresKit]: ReturnType<(typeof postgresKit)[K]> };
