// Optimistic concurrency over HTTP: a task's ETag is its version, and If-Match makes a write conditional on it
// (RFC 9110 13.1.1: strong comparison, `*` matches any current representation).
import type { VersionCheck } from '../domain/tasks.js';

export const etagOf = (version: number): string => `"${version}"`;

/** The check an If-Match header asks for; undefined when the request carries none (an unconditional write). */
export function ifMatch(header: string | undefined): VersionCheck | undefined {
  if (header === undefined) return undefined;
  const tags = header.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
  if (tags.includes('*')) return () => true;
  // A weak tag (W/"3") never matches strongly, and anything unparseable matches nothing: both end in a 412.
  return (version) => tags.includes(etagOf(version));
}

/** Whether an If-None-Match header names the current version (then a GET answers 304). */
export function noneMatch(header: string | undefined, version: number): boolean {
  if (header === undefined) return false;
  const tags = header.split(',').map((t) => t.trim().replace(/^W\//, ''));
  return tags.includes('*') || tags.includes(etagOf(version));
}
