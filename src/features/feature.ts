// The seam between the core and the optional modules. A module (scaling, enterprise) exports a factory that returns
// a Feature; src/features.ts is the only file that knows which modules a variant carries. The core calls these hooks
// and never imports a module. Arrows point down: a module imports the core, never the reverse.
import type { FastifyPluginAsync } from 'fastify';
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import type { Migration } from '../db/migrator.js';
import type { OpenHooks } from '../db/open.js';
import type { Authorizer } from '../domain/authorizer.js';
import type { ChangeRecorder, DomainContext } from '../domain/changes.js';
import type { Clock } from '../domain/clock.js';
import type { PermissionSet, PermissionSpec } from '../domain/permissions.js';
import type { SecurityEvents } from '../domain/security-events.js';
import type { Logger } from '../server/logger.js';
import type { Dialect } from '../variant.js';

export interface FeatureContext {
  /** Undefined when the build only describes itself (--version) without a usable configuration. */
  readonly config: Config | undefined;
  readonly logger: Logger;
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
  readonly name: 'scaling' | 'enterprise' | 'testing';
  /** `active` when it does its work; `not-implemented` while compiled in without doing anything yet. */
  readonly status: 'active' | 'not-implemented';
  /** One line for --version, /healthz and logs. */
  readonly summary: string;
  /**
   * Opens the database in place of the core's adapter (the scaling router opens a pool per node and finds the primary
   * itself). At most one feature may open it; verify, migrate and wrapDatabase then apply to what it returns.
   */
  openDatabase?(hooks: OpenHooks): Promise<Database>;
  /** Permissions its routes need, added to the core's (the built-in roles named in each hold it by default). */
  readonly permissions?: readonly PermissionSpec[];
  /** Commands it adds to the CLI. */
  readonly commands?: readonly FeatureCommand[];
  /**
   * Its own schema for `dialect`, applied after the core's by `serve` and `migrate`. Tags are recorded with the
   * core's, so they must not collide (prefix them); a build without the feature ignores them.
   */
  migrations?(dialect: Dialect): Promise<Migration[]>;
  /** Wraps the database the core opened (the scaling router wraps it in a replica-aware Database). */
  wrapDatabase?(db: Database): Promise<Database>;
  /** Replaces the core's built-in role table (enterprise RBAC); `permissions` is every permission of the build. */
  authorizer?(db: Database, permissions: PermissionSet): Authorizer;
  /** Receives every mutation inside its transaction (the enterprise audit trail). */
  changeRecorder?(db: Database): ChangeRecorder;
  /** Receives refused sign-ins and denied permissions. */
  securityEvents?(db: Database): SecurityEvents;
  /** Replaces the system clock where the server decides on time (token expiry); the testing module's moves. */
  readonly clock?: Clock;
  /**
   * Called once the database is up, before the server reports ready (the testing module applies --seed here). What it
   * returns goes into the ready file under the feature's name.
   */
  ready?(domain: DomainContext): Promise<Record<string, unknown> | undefined>;
  /**
   * Everything HTTP of the module (routes, hooks, metrics, health facts, OpenAPI additions): a Fastify plugin wrapped
   * in fastify-plugin, with its name and the core decorators it uses (server/decorators.ts), registered once after
   * the core's routes.
   */
  readonly plugin?: FastifyPluginAsync;
  /** Releases what the feature holds; called once at shutdown, before the database closes. */
  close?(): Promise<void>;
}

export type FeatureFactory = (ctx: FeatureContext) => Promise<Feature> | Feature;
