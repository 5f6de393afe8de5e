// PostgreSQL's timestamptz text, parsed by our column through postgres-date rather than by `new Date(text)` (which reads years below 100
// as 19xx or not at all).
import { describe, expect, it } from 'vitest';
import { parseTimestamptz } from '../../src/db/postgres/instants.js';

describe('parseTimestamptz', () => {
  it.each([
    ['2024-02-29 12:00:00.5+05:30', '2024-02-29T06:30:00.500Z'],
    ['2024-02-29 12:00:00.123456+00', '2024-02-29T12:00:00.123Z'],
    ['0013-01-01 00:00:59+00', '0013-01-01T00:00:59.000Z'],
    ['0099-06-01 00:00:00+00', '0099-06-01T00:00:00.000Z'],
    ['0001-01-01 00:00:00+00', '0001-01-01T00:00:00.000Z'],
    ['9999-12-31 23:59:59.999+00', '9999-12-31T23:59:59.999Z'],
    // Historical zones have offsets in seconds (local mean time).
    ['1890-01-01 00:00:00+00:01:15', '1889-12-31T23:58:45.000Z'],
    ['1970-01-01 00:00:00-03', '1970-01-01T03:00:00.000Z'],
    ['0001-01-01 00:00:00+00 BC', '0000-01-01T00:00:00.000Z'],
  ])('%s is %s', (text, iso) => {
    expect(parseTimestamptz(text).toISOString()).toBe(iso);
  });

  it('refuses text it does not recognise instead of guessing', () => {
    expect(() => parseTimestamptz('infinity')).toThrow(/unexpected timestamptz text/);
  });
});
