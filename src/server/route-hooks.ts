// Small readers shared by the guards that inspect routes and requests (auth.ts, operator.ts, rate-limits.ts), so a
// tenant's and the operator's credentials are read by one rule and a route's hooks are listed one way.

const BEARER = /^Bearer[ ]+(\S+)\s*$/i;

/** The secret of an `Authorization: Bearer <secret>` header, or undefined when the header is not that shape. */
export function bearerSecret(header: string): string | undefined {
  return BEARER.exec(header)?.[1];
}

/** A route option that takes one hook or several (`preHandler`, `onRequest`), as a list. */
export function hookList<T>(hooks: T | readonly T[] | undefined): T[] {
  if (hooks === undefined) return [];
  return Array.isArray(hooks) ? [...(hooks as readonly T[])] : [hooks as T];
}
