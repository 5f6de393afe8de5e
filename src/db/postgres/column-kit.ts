import { newId } from '../schema/new-id.js';
import { boolean, customType, integer, jsonb, text } from 'drizzle-orm/pg-core';
import type { ColumnKit, KitTypes } from '../schema/column-kit.js';
import { parseTimestamptz } from './instants.js';

// Instants are `timestamptz(3)`: millisecond precision like JavaScript's Date, stored in UTC whatever the session
// time zone, read back through postgres-date (see instants.ts). JSON is jsonb.
const timestamptz = customType<{ data: Date; driverData: string }>({
  // Spelled as drizzle-kit spells its own timestamp column, so the migrations read the same.
  dataType: () => 'timestamp (3) with time zone',
  toDriver: (value) => value.toISOString(),
  fromDriver: (value) => parseTimestamptz(value),
});
const insertedAt = () =>
  timestamptz()
    .notNull()
    .$defaultFn(() => new Date());

export const postgresKit = {
  id: () => text().primaryKey().$defaultFn(newId),
  text: () => text().notNull(),
  optionalText: () => text(),
  int: () => integer().notNull().default(0),
  bool: () => boolean().notNull().default(false),
  optionalTimestamp: () => timestamptz(),
  createdAt: insertedAt,
  updatedAt: insertedAt,
  labels: () => jsonb().$type<string[]>().notNull().default([]),
} satisfies ColumnKit<KitTypes>;

export type PostgresKitTypes = { [K in keyof typeof postgresKit]: ReturnType<(typeof postgresKit)[K]> };
