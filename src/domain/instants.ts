// Instants cross the API as ISO 8601 strings. JSON Schema's date-time format accepts a few strings that JavaScript
// cannot represent (a leap second, years past 275760), so every parse is checked here rather than trusted.
import { ValidationError } from '../errors.js';

export function parseInstant(field: string, value: string): Date {
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) {
    throw new ValidationError(`${field} is not a usable date-time; send an ISO 8601 instant such as 2030-01-31T12:00:00Z`, {
      details: [{ field, message: 'is not a usable date-time' }],
    });
  }
  return at;
}

export function iso(at: Date): string;
export function iso(at: Date | null): string | null;
export function iso(at: Date | null): string | null {
  return at === null ? null : at.toISOString();
}
