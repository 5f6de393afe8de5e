// The seam between the core and the optional modules. A module (scaling, enterprise) exports a factory that returns
// a Feature; src/features.ts is the only file that knows which modules a variant carries. The core calls these hooks
// and never imports a module. Arrows point down: a module imports the core, never the reverse.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import type { Authorizer } from '../domain/authorizer.js';
import type { ChangeRecorder, DomainContext } from '../domain/changes.js';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../server/logger.js';

export interface FeatureContext {
  /** Undefined when the build only describes itself (--version), which needs no configuration. */
  readonly config: Config | undefined;
  readonly logger: Logger;
}

export interface Feature {
  readonly name: 'scaling' | 'enterprise' | 'testing';
  /** `active` when it does its work; `not-implemented` while compiled in without doing anything yet. */
  readonly status: 'active' | 'not-implemented';
  /** One line for --version, /healthz and logs. */
  readonly summary: string;
  /** Wraps the database the core opened (the scaling router wraps it in a replica-aware Database). */
  wrapDatabase?(db: Database): Promise<Database>;
  /** Replaces the core's built-in role table (enterprise RBAC). */
  authorizer?(db: Database): Authorizer;
  /** Receives every mutation inside its transaction (the enterprise audit trail). */
  changeRecorder?(db: Database): ChangeRecorder;
  /** Replaces the system clock where the server decides on time (token expiry); the testing module's moves. */
  readonly clock?: Clock;
  /**
   * Called once the database is up, before the server reports ready (the testing module applies --seed here). What it
   * returns goes into the ready file under the feature's name.
   */
  ready?(domain: DomainContext): Promise<Record<string, unknown> | undefined>;
  /** Adds routes; called once after the core's routes. */
  registerRoutes?(app: FastifyInstance, db: () => Database, domain: (request: FastifyRequest) => DomainContext): Promise<void>;
  /** Extra facts for /healthz. */
  health?(): Promise<Record<string, unknown>>;
  /** Releases what the feature holds; called once at shutdown, before the database closes. */
  close?(): Promise<void>;
}

export type FeatureFactory = (ctx: FeatureContext) => Promise<Feature> | Feature;
