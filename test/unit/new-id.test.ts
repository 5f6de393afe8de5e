// Listings page by (created_at, id) with created_at in milliseconds, so ids made in one millisecond must sort in the
// order they were made (src/db/schema/new-id.ts).
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/db/schema/new-id.js';

describe('row ids', () => {
  it('sort as they were made, within one millisecond too', () => {
    // Thousands in a loop, so many share a millisecond: what random ids got wrong.
    const ids = Array.from({ length: 5000 }, () => newId());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('take fresh random bits for each id, also past a refill of the pool they come from', () => {
    // 600 ids use the 4 KiB pool more than twice over; the last 48 bits of each are random.
    const tails = Array.from({ length: 600 }, () => newId().slice(-12));
    expect(new Set(tails).size).toBe(tails.length);
  });

  it('are UUIDs, as the API schemas and the id routes expect', () => {
    expect(newId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
