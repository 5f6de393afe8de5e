// Read-your-writes by WAL position. Each request runs in an AsyncLocalStorage store holding the position its reads
// must see: the X-Consistency-Token it carries, or the last write of its principal on this instance, raised by its
// own writes as they commit. After a write the position goes back as the X-Consistency-Token response header, so a
// client handing it to another instance gets the same guarantee there.
import { AsyncLocalStorage } from 'node:async_hooks';
import { formatLsn, parseLsn } from './lsn.js';
import type { Principal } from '../domain/authorizer.js';

export const CONSISTENCY_HEADER = 'x-consistency-token';

/** What the scope knows of a request when it opens: the headers, lower-cased. */
export interface RequestFacts {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** One request as read-your-writes follows it (scaling/plugin.ts opens one per request). */
export interface RequestHandle {
  /**
   * Runs the rest of the request (guards, handler, reply) inside `next`, in the AsyncLocalStorage store the router
   * reads. Calls `next` exactly once, synchronously.
   */
  run(next: () => void): void;
  /** The caller, once the guard has authenticated them. */
  identify?(principal: Principal): void;
  /** Headers to add to the response, asked once just before it is sent. */
  responseHeaders?(): Record<string, string> | undefined;
}

interface RequestState {
  /** Reads must see this position. */
  minLsn: bigint | undefined;
  /** The furthest commit this request made. */
  wrote: bigint | undefined;
  principal: string | undefined;
}

/** Principals remembered at most; past it the oldest are forgotten (their reads may then go to a lagging replica). */
const MAX_PRINCIPALS = 100_000;

const later = (a: bigint | undefined, b: bigint | undefined): bigint | undefined => (a === undefined ? b : b === undefined || a >= b ? a : b);

export class Consistency {
  readonly #requests = new AsyncLocalStorage<RequestState>();
  /** Principal -> position of their last write, while some replica may not have replayed it yet. */
  readonly #principals = new Map<string, bigint>();

  /** The position the current request's reads must see, if any. */
  required(): bigint | undefined {
    return this.#requests.getStore()?.minLsn;
  }

  /** A write of the current request committed up to `lsn`. */
  wrote(lsn: bigint): void {
    const state = this.#requests.getStore();
    if (!state) return;
    state.wrote = later(state.wrote, lsn);
    state.minLsn = later(state.minLsn, lsn);
    if (state.principal !== undefined) this.#remember(state.principal, lsn);
  }

  /** Forgets every principal whose last write every healthy replica has replayed: it no longer restricts reads. */
  forgetUpTo(replayed: bigint | undefined): void {
    if (replayed === undefined) return;
    for (const [key, lsn] of this.#principals) if (lsn <= replayed) this.#principals.delete(key);
  }

  get remembered(): number {
    return this.#principals.size;
  }

  #remember(principal: string, lsn: bigint): void {
    const known = this.#principals.get(principal);
    // Re-inserted so the map's order stays oldest-first for eviction.
    this.#principals.delete(principal);
    this.#principals.set(principal, later(known, lsn)!);
    if (this.#principals.size > MAX_PRINCIPALS) this.#principals.delete(this.#principals.keys().next().value!);
  }

  /** The scope of one request (scaling/plugin.ts opens it once the body is parsed). */
  open(facts: RequestFacts): RequestHandle {
    const header = facts.headers[CONSISTENCY_HEADER];
    // A token that is not an LSN is ignored rather than refused: it can only ask for fresher reads, never staler.
    const state: RequestState = { minLsn: parseLsn(Array.isArray(header) ? header[0] : header), wrote: undefined, principal: undefined };
    return {
      run: (next) => this.#requests.run(state, next),
      identify: (principal: Principal) => {
        state.principal = principal.memberId;
        state.minLsn = later(state.minLsn, this.#principals.get(principal.memberId));
        if (state.wrote !== undefined) this.#remember(principal.memberId, state.wrote);
      },
      responseHeaders: () => (state.wrote === undefined ? undefined : { [CONSISTENCY_HEADER]: formatLsn(state.wrote) }),
    };
  }

  /** Runs `fn` as one request would, for callers outside HTTP (tests, jobs). */
  run<T>(facts: RequestFacts, fn: (handle: RequestHandle) => T): T {
    const handle = this.open(facts);
    let result!: T;
    handle.run(() => {
      result = fn(handle);
    });
    return result;
  }
}
