// The seam between the core and the optional modules. A module (scaling, enterprise) exports a factory that returns
// a Feature; src/features.ts is the only file that knows which modules a variant carries. The core calls these hooks
// and never imports a module. Arrows point down: a module imports the core, never the reverse.
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import type { Registry } from 'prom-client';
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import type { OpenHooks } from '../db/open.js';
import type { Authorizer, Permission, Principal } from '../domain/authorizer.js';
import type { ChangeRecorder } from '../domain/changes.js';
import type { Logger } from '../server/logger.js';

export interface FeatureContext {
  /** Undefined when the build only describes itself (--version) without a usable configuration. */
  readonly config: Config | undefined;
  readonly logger: Logger;
}

/** What a feature may know of a request when it opens its scope: the headers, lower-cased. */
export interface RequestFacts {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** One request as a feature follows it. */
export interface RequestHandle {
  /**
   * Runs the rest of the request (guards, handler, reply) inside `next`: the place to open an AsyncLocalStorage
   * store that code deep in the call stack (a database router) reads. Must call `next` exactly once, synchronously.
   */
  run(next: () => void): void;
  /** The caller, once the guard has authenticated them. */
  identify?(principal: Principal): void;
  /** Headers to add to the response, asked once just before it is sent. */
  responseHeaders?(): Record<string, string> | undefined;
}

export interface Feature {
  readonly name: 'scaling' | 'enterprise';
  /** `active` when it does its work; `not-implemented` while compiled in without doing anything yet. */
  readonly status: 'active' | 'not-implemented';
  /** One line for --version, /healthz and logs. */
  readonly summary: string;
  /**
   * Opens the database in place of the core's adapter (the scaling router opens a pool per node and finds the primary
   * itself). At most one feature may open it; verify, migrate and wrapDatabase then apply to what it returns.
   */
  openDatabase?(hooks: OpenHooks): Promise<Database>;
  /** Wraps the database the core opened (the scaling router wraps it in a replica-aware Database). */
  wrapDatabase?(db: Database): Promise<Database>;
  /** Replaces the core's built-in role table (enterprise RBAC). */
  authorizer?(db: Database): Authorizer;
  /** Receives every mutation inside its transaction (the enterprise audit trail). */
  changeRecorder?(db: Database): ChangeRecorder;
  /** Opens the feature's view of each request (after its body is parsed, before the guards). */
  openRequest?(facts: RequestFacts): RequestHandle;
  /** Adds series to the /metrics registry; read at scrape time. */
  registerMetrics?(registry: Registry): void;
  /** Adds to the OpenAPI document (headers the feature reads or sets); returns the document. */
  describeApi?(document: Record<string, unknown>): Record<string, unknown>;
  /** Adds routes; called once after the core's routes. `access` is the core's guard for a permission. */
  registerRoutes?(app: FastifyInstance, db: () => Database, access: (permission: Permission) => preHandlerAsyncHookHandler): Promise<void>;
  /** Extra facts for /healthz. */
  health?(): Promise<Record<string, unknown>>;
  /** Releases what the feature holds; called once at shutdown, before the database closes. */
  close?(): Promise<void>;
}

export type FeatureFactory = (ctx: FeatureContext) => Promise<Feature> | Feature;
