// The seam between the core and the optional modules. A module exports a factory that returns a Feature and
// declares its options (config/module-options.ts); src/features.ts, the loader, is the only file that knows which
// modules a variant carries, and checks at start that a slot meant for one module has at most one. The core calls
// these hooks and never imports a module. Arrows point down: a module imports the core, never the reverse.
import type { FastifyPluginAsync } from 'fastify';
import type { Config } from '../config/config.js';
import type { Database, OpenedDatabase } from '../db/database.js';
import type { Migration } from '../db/migrator.js';
import type { OpenHooks } from '../db/open.js';
import type { Authorizer } from '../domain/authorizer.js';
import type { ChangeRecorder, DomainContext } from '../domain/changes.js';
import type { Clock } from '../domain/clock.js';
import type { PermissionSet, PermissionSpec } from '../domain/permissions.js';
import type { SecurityEvents } from '../domain/security-events.js';
import type { Logger } from '../server/logger.js';
import type { Dialect } from '../variant.js';

export interface FeatureContext<S = unknown> {
  /** Undefined when the build only describes itself (--version, --help) without a usable configuration. */
  readonly config: Config | undefined;
  /** The module's own settings (its ModuleOptions' `settings`); undefined where `config` is. */
  readonly settings?: S | undefined;
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
  /** The module's name, unique in a build; its migrations' tags start with it and a colon. */
  readonly name: string;
  /** One line for --version, /healthz and logs. */
  readonly summary: string;
  /**
   * Opens the database in place of the core's adapter (a replica router opens a pool per node and finds the primary
   * itself). At most one feature may open it; verify and migrate then apply to what it returns.
   */
  openDatabase?(hooks: OpenHooks): Promise<OpenedDatabase>;
  /** Permissions its routes need, added to the core's (the built-in roles named in each hold it by default). */
  readonly permissions?: readonly PermissionSpec[];
  /** Commands it adds to the CLI. */
  readonly commands?: readonly FeatureCommand[];
  /**
   * Its own schema for `dialect`, applied after the core's by `serve` and `migrate`. Tags are recorded with the
   * core's, so each starts with the feature's name and a colon (`<name>:0000_...`; start-up refuses others when it gathers them, server/lifecycle.ts);
   * a build without the feature ignores them.
   */
  migrations?(dialect: Dialect): Promise<Migration[]>;
  /** Replaces the core's built-in role table (at most one feature); `permissions` is every permission of the build. */
  authorizer?(db: Database, permissions: PermissionSet): Authorizer;
  /** Receives every mutation inside its transaction (at most one feature; an audit trail). */
  changeRecorder?(db: Database): ChangeRecorder;
  /** Receives refused sign-ins and denied permissions (at most one feature). */
  securityEvents?(db: Database): SecurityEvents;
  /** Replaces the system clock where the server decides on time (token expiry; at most one feature); a test clock moves. */
  readonly clock?: Clock;
  /**
   * Called once the database is up, before the server reports ready (a test module may apply a seed here). What it
   * returns goes into the ready file under the feature's name.
   */
  ready?(domain: DomainContext): Promise<Record<string, unknown> | undefined>;
  /**
   * Everything HTTP of the module (routes, hooks, metrics, health facts, OpenAPI additions): a Fastify plugin wrapped
   * in fastify-plugin, with its name and the core decorators it uses (server/decorators.ts), registered once after
   * the core's routes.
   */
  readonly plugin?: FastifyPluginAsync;
  /**
   * Releases what the feature holds; called once at shutdown, before the database closes. A close that throws is
   * logged and makes the exit code 1; the other features and the database are closed all the same.
   */
  close?(): Promise<void>;
}

export type FeatureFactory<S = unknown> = (ctx: FeatureContext<S>) => Promise<Feature> | Feature;
