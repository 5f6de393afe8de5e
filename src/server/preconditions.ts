// Optimistic concurrency over HTTP: a task's ETag is its version, and If-Match makes a write conditional on it
// (RFC 9110 13.1.1: strong comparison, `*` matches any current representation).
import type { VersionCheck } from '../domain/tasks.js';
import { ValidationError } from '../errors.js';

export const etagOf = (version: number): string => `"${version}"`;

/** An entity tag as RFC 9110 8.8.3 writes it: in double quotes, perhaps weak (W/). */
const ENTITY_TAG = /^(W\/)?"[\x21\x23-\x7E\x80-\xFF]*"$/;

/** One element of an If-Match list: `*` or an entity tag (no comma inside, since the list is split on commas). */
const IF_MATCH_ELEMENT = '(?:\\*|(?:W/)?"[\\x21\\x23-\\x2B\\x2D-\\x7E\\x80-\\xFF]*")';

/**
 * What ifMatch() accepts, as a JSON Schema pattern for the header's schema (so the document states it): a
 * comma-separated list, empty elements allowed, with at least one `*` or quoted entity tag.
 */
export const IF_MATCH_PATTERN = `^(?:\\s*,)*\\s*${IF_MATCH_ELEMENT}\\s*(?:,\\s*(?:${IF_MATCH_ELEMENT}\\s*)?)*$`;

/**
 * The check an If-Match header asks for; undefined when the request carries none (an unconditional write). A value
 * that is not a list of quoted entity tags (`If-Match: 2`, the version without its quotes) is a 400 naming the form
 * expected, not a 412 that would send the client to re-read a task that did not change.
 */
export function ifMatch(header: string | undefined): VersionCheck | undefined {
  if (header === undefined) return undefined;
  const tags = header
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
  const malformed = tags.find((t) => t !== '*' && !ENTITY_TAG.test(t));
  if (malformed !== undefined || tags.length === 0) {
    const example = /^\d+$/.test(malformed ?? '') ? `"${malformed}"` : '"3"';
    throw new ValidationError(`If-Match must hold the task's ETag in double quotes, as GET /v1/tasks/:id sends it (If-Match: ${example}), or *`, {
      details: [{ field: 'headers.if-match', message: 'is not a quoted entity tag' }],
    });
  }
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
