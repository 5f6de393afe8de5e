// PATCH bodies name only what changes; absent keys must not reach an UPDATE as `undefined`.

/** The patch without its absent keys. An explicit `null` stays: it clears the field. */
export function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}
