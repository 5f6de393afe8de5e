// Rate limits with @fastify/rate-limit, per client address (TRUST_PROXY decides what that is): signups, which anyone
// may attempt, and failed authentications, so tokens cannot be guessed at speed. Both answer 429 with Retry-After.
// A route opts into a named limit with `config: { limitedBy: 'signups' }`, never by its URL.
//
// The limiters are the plugin's own, but the plugin is loaded when a limiter is first asked (the first signup, the
// first failed authentication), not at start: it is used only through `createRateLimit` (no route hooks, no global
// limit), so it is run against a stand-in that keeps the function it publishes. Loading it, with the IPv6 address
// library it needs, was a measurable part of every start.
import type {} from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import { DependencyContractError, RouteDeclarationError, TooManyRequestsError } from '../errors.js';
import { clientKey } from './client-key.js';
import { hookList } from './route-hooks.js';

/** The limits a route may count against. */
export const ROUTE_LIMITS = ['signups'] as const;
export type RouteLimit = (typeof ROUTE_LIMITS)[number];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The named limit this route's requests count against (`signups`: SIGNUP_RATE_LIMIT per window and address). */
    readonly limitedBy?: RouteLimit;
  }
}

/**
 * Counts failed authentications and refuses a client that had too many, before its next attempt is even checked. An
 * attempt is admitted, then settled once decided. A client has at most as many attempts under way as it has failures
 * left: a token checked against the database takes a while on PostgreSQL, and a burst of attempts sent at once was
 * all under way before the first of them was counted (300 at once met 191 lookups against a limit of 50). Attempts
 * past that wait for one under way to be decided, instead of being refused, so a client of many requests at once
 * with good tokens is slowed a little, never refused.
 */
export interface AuthFailureLimiter {
  /**
   * Rejects with a 429 when `request`'s client is over the limit; otherwise admits the attempt, once the client has
   * fewer under way than failures left. Undefined, with nothing to wait for, in the common case: no authentication
   * failed within the window and the client has fewer than the limit under way. `settle` must follow.
   */
  admit(request: FastifyRequest): Promise<void> | undefined;
  /** The admitted attempt of `request` is decided; a failed one is counted. Undefined when there is nothing to wait for. */
  settle(request: FastifyRequest, failed: boolean): Promise<void> | undefined;
  /** How many addresses have attempts under way or waiting: none once every attempt is settled. */
  addressesUnderWay(): number;
}

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;
type CreateLimiter = FastifyInstance['createRateLimit'];

const noLimit: AuthFailureLimiter = Object.freeze({ admit: () => undefined, settle: () => undefined, addressesUnderWay: () => 0 });

/** The plugin (no global limit), loaded once: its `createRateLimit`. */
async function loadPlugin(): Promise<CreateLimiter> {
  const { fastifyRateLimit } = await import('@fastify/rate-limit');
  let create: CreateLimiter | undefined;
  const host = {
    hasDecorator: () => false,
    decorate: (name: string, fn: unknown) => void (name === 'createRateLimit' && (create = fn as CreateLimiter)),
    // For its route-level limits, which no route here declares.
    decorateRequest: () => undefined,
    addHook: () => undefined,
  };
  // An async plugin, though typed as one that takes a callback.
  const register = fastifyRateLimit as unknown as (instance: FastifyInstance, options: { global: boolean }) => Promise<void>;
  await register(host as unknown as FastifyInstance, { global: false });
  if (!create) throw new DependencyContractError('@fastify/rate-limit published no createRateLimit: update src/server/rate-limits.ts to how it makes limiters');
  return create;
}

/** Makes the limiters; each one built, with the plugin, on its first call. */
function limiters(config: Config): (name: string, max: number) => Limiter {
  let plugin: Promise<CreateLimiter> | undefined;
  return (name, max) => {
    let made: Promise<Limiter> | undefined;
    const make = async () =>
      // One store serves every limiter the plugin makes; the name keeps their counts apart.
      (await (plugin ??= loadPlugin()))({
        max,
        timeWindow: config.rateLimitWindowSeconds * 1000,
        keyGenerator: (request) => `${name}:${clientKey(request.ip)}`,
      });
    return (async (request: FastifyRequest, options?: { increment?: boolean }) => (await (made ??= make()))(request, options)) as Limiter;
  };
}

/** Declares the signup limit on the routes that ask for it; returns the failed-authentication limiter. */
export async function registerRateLimits(app: FastifyInstance, config: Config): Promise<AuthFailureLimiter> {
  const limiter = limiters(config);
  let limitSignups: ((request: FastifyRequest) => Promise<void>) | undefined;
  if (config.signupRateLimit > 0) {
    const signups = limiter('signup', config.signupRateLimit);
    limitSignups = async (request: FastifyRequest): Promise<void> => {
      const state = await signups(request);
      if (!state.isAllowed && state.isExceeded) {
        throw new TooManyRequestsError(
          `too many signups from your address (at most ${state.max} in ${config.rateLimitWindowSeconds} s); retry after ${state.ttlInSeconds} s`,
          state.ttlInSeconds,
        );
      }
    };
  }
  // On the routes that declare the limit (registered after this) alone, rather than a hook every request passes
  // through; first of their onRequest steps, so a client over the limit costs nothing more.
  app.addHook('onRoute', (route) => {
    const limit = route.config?.limitedBy;
    if (limit === undefined) return;
    if (!ROUTE_LIMITS.includes(limit)) {
      throw new RouteDeclarationError(route, `declares config.limitedBy '${String(limit)}', which is no limit; use one of ${ROUTE_LIMITS.join(', ')}`);
    }
    if (!limitSignups) return;
    const own = hookList(route.onRequest);
    route.onRequest = [limitSignups, ...own];
  });
  if (config.authFailureRateLimit === 0) return noLimit;
  const max = config.authFailureRateLimit;
  const failures = limiter('auth-failure', max);
  const windowMs = config.rateLimitWindowSeconds * 1000;
  // The counts live in this process (the plugin's local store), so while no authentication has failed for a whole
  // window no client can be over the limit, and the admission need not ask the store: the common case costs nothing.
  let lastFailureAt = Number.NEGATIVE_INFINITY;
  /** Each client's attempts under way, and the attempts waiting for one of them to be decided. */
  const underWay = new Map<string, { count: number; waiting: Array<() => void> }>();
  const take = (key: string, allowed: number): boolean => {
    const entry = underWay.get(key);
    if ((entry?.count ?? 0) >= allowed) return false;
    if (entry) entry.count++;
    else underWay.set(key, { count: 1, waiting: [] });
    return true;
  };
  return {
    admit(request) {
      if (Date.now() - lastFailureAt > windowMs && take(clientKey(request.ip), max)) return undefined;
      return admitWhenRoom(request, clientKey(request.ip));
    },
    addressesUnderWay: () => underWay.size,
    settle(request, failed) {
      const key = clientKey(request.ip);
      if (!failed) {
        release(key);
        return undefined;
      }
      lastFailureAt = Date.now();
      // Counted before the next attempt waiting is let go, so that it sees this failure.
      return failures(request)
        .then(() => undefined)
        .finally(() => release(key));
    },
  };

  /** One attempt of `key` is decided: the next one waiting may go and see. */
  function release(key: string): void {
    const entry = underWay.get(key);
    if (!entry) return;
    entry.count--;
    passOn(key, entry);
  }

  /** Lets the next attempt waiting go; an address with nothing under way and nothing waiting is forgotten. */
  function passOn(key: string, entry: { count: number; waiting: Array<() => void> }): void {
    const next = entry.waiting.shift();
    if (next) next();
    else if (entry.count === 0) underWay.delete(key);
  }

  async function admitWhenRoom(request: FastifyRequest, key: string): Promise<void> {
    for (;;) {
      let state;
      try {
        state = await failures(request, { increment: false });
      } catch (err) {
        // The store failed this attempt: the next one waiting is let go, not left waiting on it.
        const entry = underWay.get(key);
        if (entry) passOn(key, entry);
        throw err;
      }
      // `read` does not count, so the limit is reached once the count is at max, not past it.
      if (!state.isAllowed && state.remaining === 0 && state.ttl > 0) {
        // Any attempt still waiting learns the same from the store.
        const entry = underWay.get(key);
        if (entry) passOn(key, entry);
        throw new TooManyRequestsError(
          `too many failed authentications from your address (${state.max} in ${config.rateLimitWindowSeconds} s); retry after ${state.ttlInSeconds} s with a valid token`,
          state.ttlInSeconds,
        );
      }
      // `isAllowed` is the plugin's allow list, which has no count.
      if (take(key, state.isAllowed ? Number.POSITIVE_INFINITY : state.remaining)) return;
      const entry = underWay.get(key)!;
      await new Promise<void>((resolve) => entry.waiting.push(resolve));
    }
  }
}
