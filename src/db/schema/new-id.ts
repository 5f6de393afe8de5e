// Row ids: UUIDv7, whose first 48 bits are the creation time in milliseconds and whose next bits count up within a
// millisecond in this process (the `uuid` package keeps that counter). Listings page by (created_at, id), and
// created_at has millisecond precision: with random ids, two comments or tasks made in one millisecond came back in
// random order. With these, rows one process makes in one millisecond sort as they were made.
import { v7 } from 'uuid';

export function newId(): string {
  return v7();
}
