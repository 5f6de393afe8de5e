// The seam between the core and the optional modules. A module exports a factory that returns a Feature and
// declares its options (config/module-options.ts); src/features.ts, the loader, is the only file that knows which
// modules a variant carries, and checks at start that a slot meant for one module has at most one. The core calls
// these hooks and never imports a module. Arrows point down: a module imports the core, never the reverse.
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Registry } from 'prom-client';
import type { Config } from '../config/config.js';
import type { Database, OpenedDatabase } from '../db/database.js';
import type { Migration } from '../db/migrator.js';
import type { OpenHooks } from '../db/open.js';
import type { Authorizer, Principal } from '../domain/authorizer.js';
import type { ChangeRecorder, DomainContext } from '../domain/changes.js';
import type { Clock } from '../domain/clock.js';
import type { PermissionSet, PermissionSpec } from '../domain/permissions.js';
import type { SecurityEvents } from '../domain/security-events.js';
import type { Access } from '../server/access.js';
import type { Logger } from '../server/logger.js';
import type { Dialect } from '../variant.js';

export interface FeatureContext<S = unknown> {
  /** Undefined when the build only describes itself (--version, --help) without a usable configuration. */
  readonly config: Config | undefined;
  /** The module's own settings (its ModuleOptions' `settings`); undefined where `config` is. */
  readonly settings?: S | undefined;
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

/** What the core lends a feature's routes: its guards, so they authenticate and authorize as every route does. */
export interface RouteHost {
  /** The preHandler for a route needing `access`: bearer token, organization confinement, then the Authorizer. */
  require(access: Access): preHandlerAsyncHookHandler;
  /** The caller of a guarded route. */
  principalOf(request: FastifyRequest): Principal;
  /** What a domain write needs for this request (database, change recorder, request meta). */
  domain(request: FastifyRequest): DomainContext;
  readonly permissions: PermissionSet;
  readonly config: Config;
}

/** What a feature's command (`server.mjs <name> ...`) is given. */
export interface CommandContext {
  readonly config: Config;
  readonly logger: Logger;
  /** The arguments after the command's name. */
  readonly args: readonly string[];
  /** Opens the database with every migration of this build applied (the caller closes it). */
  openDatabase(): Promise<Database>;
  readonly stdout: (text: string) => void;
}

export interface FeatureCommand {
  readonly name: string;
  /** Lines for --help, each `<usage>  <what it does>`. */
  readonly help: readonly string[];
  /** Resolves with the process exit code. */
  run(ctx: CommandContext): Promise<number>;
}

export interface Feature {
  /** The module's name, unique in a build; its migrations' tags start with it and a colon. */
  readonly name: string;
  /** One line for --version, /healthz and logs. */
  readonly summary: string;
  /**
   * Opens the database in place of the core's adapter (the scaling router opens a pool per node and finds the primary
   * itself). At most one feature may open it; verify and migrate then apply to what it returns.
   */
  openDatabase?(hooks: OpenHooks): Promise<OpenedDatabase>;
  /** Permissions its routes need, added to the core's (the built-in roles named in each hold it by default). */
  readonly permissions?: readonly PermissionSpec[];
  /** Commands it adds to the CLI. */
  readonly commands?: readonly FeatureCommand[];
  /**
   * Its own schema for `dialect`, applied after the core's by `serve` and `migrate`. Tags are recorded with the
   * core's, so each starts with the feature's name and a colon (`enterprise:0000_...`; the loader refuses others);
   * a build without the feature ignores them.
   */
  migrations?(dialect: Dialect): Promise<Migration[]>;
  /** Replaces the core's built-in role table (at most one feature); `permissions` is every permission of the build. */
  authorizer?(db: Database, permissions: PermissionSet): Authorizer;
  /** Receives every mutation inside its transaction (at most one feature; an audit trail). */
  changeRecorder?(db: Database): ChangeRecorder;
  /** Opens the feature's view of each request (after its body is parsed, before the guards). */
  openRequest?(facts: RequestFacts): RequestHandle;
  /** Adds series to the /metrics registry; read at scrape time. */
  registerMetrics?(registry: Registry): void;
  /** Adds to the OpenAPI document (headers the feature reads or sets); returns the document. */
  describeApi?(document: Record<string, unknown>): Record<string, unknown>;
  /** Receives refused sign-ins and denied permissions (at most one feature). */
  securityEvents?(db: Database): SecurityEvents;
  /** Replaces the system clock where the server decides on time (token expiry; at most one feature); a test clock moves. */
  readonly clock?: Clock;
  /**
   * Called once the database is up, before the server reports ready (the testing module applies --seed here). What it
   * returns goes into the ready file under the feature's name.
   */
  ready?(domain: DomainContext): Promise<Record<string, unknown> | undefined>;
  /** Adds routes; called once after the core's routes. `host` lends the core's guards and the domain context. */
  registerRoutes?(app: FastifyInstance, db: () => Database, host: RouteHost): Promise<void>;
  /** Extra facts for /healthz. */
  health?(): Promise<Record<string, unknown>>;
  /**
   * Releases what the feature holds; called once at shutdown, before the database closes. A close that throws is
   * logged and makes the exit code 1; the other features and the database are closed all the same.
   */
  close?(): Promise<void>;
}

export type FeatureFactory<S = unknown> = (ctx: FeatureContext<S>) => Promise<Feature> | Feature;
