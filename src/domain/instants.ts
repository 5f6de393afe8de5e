// Instants cross the API as ISO 8601 strings. JSON Schema's date-time format accepts strings that JavaScript cannot
// represent (a leap second) and, through the offset, instants outside years 1-9999 UTC ("9999-12-31T23:59:59-23:59"
// is in year 10000), which PostgreSQL refuses and SQLite would take: one range, checked here, for both.
import { ValidationError } from '../errors.js';

export const EARLIEST_INSTANT = new Date('0001-01-01T00:00:00.000Z').getTime();
export const LATEST_INSTANT = new Date('9999-12-31T23:59:59.999Z').getTime();

/** Whether epoch milliseconds `ms` fall in the range both dialects store: years 1 to 9999, UTC. */
export function storableInstant(ms: number): boolean {
  return Number.isFinite(ms) && ms >= EARLIEST_INSTANT && ms <= LATEST_INSTANT;
}

export function parseInstant(field: string, value: string): Date {
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) {
    throw new ValidationError(`${field} is not a usable date-time; send an ISO 8601 instant such as 2030-01-31T12:00:00Z`, {
      details: [{ field, message: 'is not a usable date-time' }],
    });
  }
  if (!storableInstant(at.getTime())) {
    throw new ValidationError(`${field} is ${at.toISOString()} in UTC, outside the years 0001 to 9999 that can be stored; send an instant in that range`, {
      details: [{ field, message: 'must fall between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z' }],
    });
  }
  return at;
}

export function iso(at: Date): string;
export function iso(at: Date | null): string | null;
export function iso(at: Date | null): string | null {
  return at === null ? null : at.toISOString();
}
