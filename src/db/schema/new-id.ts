// Row ids: UUIDv7, whose first 48 bits are the creation time in milliseconds and whose next bits count up within a
// millisecond in this process. Listings page by (created_at, id), and created_at has millisecond precision: with
// random ids, two comments or tasks made in one millisecond came back in random order. With these, rows one process
// makes in one millisecond sort as they were made.
//
// The `uuid` package lays the bits out; the random bytes come from a pool filled 4 KiB at a time. Called without
// options, `v7()` asks `crypto.getRandomValues` for 16 bytes per id, and in the server each such call cost 10 to 17 µs
// of CPU (a create makes one id, an audited one two), against well under 1 µs per id from the pool. Given its random
// bytes, `v7()` keeps no count of its own, so the count within a millisecond is kept here, as uuid 14's `v7()` keeps it
// (its updateV7State, which the package does not export): a
// random 31-bit start in each new millisecond, one more for each id after it, and on the (unreachable) wrap to zero
// the next millisecond.
import { randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';

const ID_BYTES = 16;
const pool = new Uint8Array(4096);
let taken = pool.length;
let msecs = -Infinity;
let seq = 0;

function randomBytes(): Uint8Array {
  if (taken + ID_BYTES > pool.length) {
    randomFillSync(pool);
    taken = 0;
  }
  taken += ID_BYTES;
  return pool.subarray(taken - ID_BYTES, taken);
}

export function newId(): string {
  const random = randomBytes();
  const now = Date.now();
  if (now > msecs) {
    seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
    msecs = now;
  } else {
    seq = (seq + 1) | 0;
    if (seq === 0) msecs++;
  }
  return v7({ random, msecs, seq });
}
