// Configuration: environment variables overridden by CLI options, validated once at start and frozen. Every bad value
// is reported together, each with what is wrong and what is accepted, so one restart fixes them all.
import { ConfigError } from '../errors.js';
import { parseDatabaseUrl, type DatabaseTarget } from './database-url.js';
import { parseAddresses } from './addresses.js';
import { ModuleSettings, OptionValues, type ModuleOptions } from './module-options.js';
import { OPTIONS, type OptionSpec } from './options.js';
import type { TrustProxy } from './trust-proxy.js';
import { adminTokenProblem } from './admin-tokens.js';

export interface Config {
  readonly port: number;
  readonly host: string;
  /** A listening socket the process inherited (LISTEN_FD): served instead of binding host:port. */
  readonly listenFd: number | undefined;
  readonly database: DatabaseTarget;
  readonly logLevel: string;
  readonly migrateOnStart: boolean;
  readonly shutdownTimeoutMs: number;
  readonly bodyLimitBytes: number;
  /** Fastify's trustProxy: which hops may name the client in X-Forwarded-For (never `true`). */
  readonly trustProxy: TrustProxy;
  /** The operator's bearer token, and a file of operator tokens' SHA-256 digests (server/operator.ts). */
  readonly adminToken: string | undefined;
  readonly adminTokensFile: string | undefined;
  readonly requestTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly maxConnections: number;
  /** Addresses or CIDR ranges allowed to read /metrics; empty = nobody. `any` becomes ['0.0.0.0/0', '::/0']. */
  readonly metricsAllow: readonly string[];
  readonly signupRateLimit: number;
  readonly authFailureRateLimit: number;
  readonly rateLimitWindowSeconds: number;
  readonly tokenLifetimeDays: number;
  readonly queryTimeoutMs: number;
  readonly startRetryMs: number;
  readonly busyTimeoutMs: number;
  readonly poolMax: number;
  /** How prepared queries are sent to PostgreSQL (db/prepared.ts): as named statements, or unnamed. */
  readonly preparedStatements: 'named' | 'unnamed';
  readonly connectTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly statementTimeoutMs: number;
  readonly maxLifetimeSeconds: number;
  readonly readyFile: string | undefined;
}

/** The core's configuration and each loaded module's typed settings. */
export interface Configuration {
  readonly config: Config;
  readonly settings: ModuleSettings;
}

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

function parseValue(spec: OptionSpec, raw: string, source: string): { value?: unknown; problem?: string; problems?: string[] } {
  const where = `${source}=${JSON.stringify(raw)}`;
  if (spec.parse) return spec.parse(raw, where);
  switch (spec.type) {
    case 'string':
      return { value: raw };
    case 'bool': {
      const v = raw.trim().toLowerCase();
      if (TRUE.includes(v)) return { value: true };
      if (FALSE.includes(v)) return { value: false };
      return { problem: `${where} is not a boolean; use true or false` };
    }
    case 'enum':
      if (spec.values?.includes(raw)) return { value: raw };
      return { problem: `${where} is not one of ${spec.values?.join(', ')}` };
    case 'addresses':
      return parseAddresses(raw, where);
    case 'port':
    case 'int': {
      const min = spec.type === 'port' ? 0 : (spec.min ?? 0);
      const max = spec.type === 'port' ? 65_535 : (spec.max ?? Number.MAX_SAFE_INTEGER);
      if (!/^\s*\d+\s*$/.test(raw)) return { problem: `${where} is not a whole number; use a number from ${min} to ${max}` };
      const n = Number(raw);
      if (n < min || n > max) return { problem: `${where} is out of range; use a number from ${min} to ${max}` };
      return { value: n };
    }
  }
}

/** What DB_QUERY_TIMEOUT_MS adds to DB_STATEMENT_TIMEOUT_MS unless set: the server's cancel arrives first. */
export const QUERY_TIMEOUT_MARGIN_MS = 1000;
/** DB_QUERY_TIMEOUT_MS unless set, when DB_STATEMENT_TIMEOUT_MS is 0 (none). */
export const QUERY_TIMEOUT_WITHOUT_STATEMENT_TIMEOUT_MS = 35_000;

/** Reads `specs` from `cli` (parsed --options, by flag name) or else `env`, falling back to each default. */
function readOptions(specs: readonly OptionSpec[], env: NodeJS.ProcessEnv, cli: Record<string, string | undefined>, problems: string[]): Map<string, unknown> {
  const values = new Map<string, unknown>();
  for (const spec of specs) {
    const fromCli = cli[spec.flag];
    const fromEnv = env[spec.env];
    const raw = fromCli ?? (fromEnv === '' ? undefined : fromEnv) ?? spec.default;
    if (raw === undefined) {
      values.set(spec.key, undefined);
      continue;
    }
    const source = fromCli !== undefined ? `--${spec.flag}` : fromEnv !== undefined && fromEnv !== '' ? spec.env : `default ${spec.env}`;
    const parsed = parseValue(spec, raw, source);
    if (parsed.problem) problems.push(parsed.problem);
    else if (parsed.problems) problems.push(...parsed.problems);
    else values.set(spec.key, parsed.value);
  }
  return values;
}

/**
 * Reads and validates every option of the variant: the core's into `config`, each module's (`modules`, from the
 * loader) into that module's typed settings. Throws one ConfigError listing every problem, the modules' with the
 * core's.
 */
export function loadConfiguration(env: NodeJS.ProcessEnv, cli: Record<string, string | undefined>, modules: readonly ModuleOptions[]): Configuration {
  const problems: string[] = [];
  const values = Object.fromEntries(readOptions(OPTIONS, env, cli, problems)) as Record<string, unknown>;
  let database: DatabaseTarget | undefined;
  let databaseError: ConfigError | undefined;
  try {
    database = parseDatabaseUrl(values.databaseUrl as string | undefined);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    databaseError = err;
    problems.push(err.message);
  }
  if (values.listenFd !== undefined) {
    // The server has one socket: PORT or HOST beside it would be ignored, which is never what was meant.
    const set = ['port', 'host'].flatMap((key) => {
      const spec = OPTIONS.find((o) => o.key === key)!;
      return cli[spec.flag] !== undefined ? [`--${spec.flag}`] : env[spec.env] ? [spec.env] : [];
    });
    if (set.length > 0) {
      problems.push(
        `LISTEN_FD is set, and so is ${set.join(' and ')}: the server listens on the inherited socket alone; unset ${set.join(' and ')}, or LISTEN_FD to bind HOST:PORT`,
      );
    }
  }
  const adminToken = adminTokenProblem(values.adminToken as string | undefined);
  if (adminToken) problems.push(adminToken);
  const requestTimeout = values.requestTimeoutMs as number | undefined;
  const headersTimeout = values.headersTimeoutMs as number | undefined;
  if (requestTimeout !== undefined && headersTimeout !== undefined && requestTimeout > 0 && headersTimeout > requestTimeout) {
    problems.push(`HEADERS_TIMEOUT_MS (${headersTimeout}) is longer than REQUEST_TIMEOUT_MS (${requestTimeout}); make it at most REQUEST_TIMEOUT_MS`);
  }
  const settings = new Map<string, unknown>();
  for (const module of modules) {
    const own: string[] = [];
    const parsed = readOptions(module.options, env, cli, own);
    problems.push(...own);
    if (own.length === 0) settings.set(module.module, module.settings(new OptionValues(parsed), { database, problem: (message) => problems.push(message) }));
  }
  // A wrong DATABASE_URL alone keeps its own class (VariantLacksError says the build lacks the dialect).
  if (databaseError && problems.length === 1) throw databaseError;
  if (problems.length > 0 || !database) {
    throw new ConfigError(problems.length === 1 ? problems[0]! : `${problems.length} configuration problems:\n  - ${problems.join('\n  - ')}`);
  }
  // The client-side bound follows the server-side one unless set: a statement the server would cancel at 5 s must
  // not leave a request waiting 35 s on a frozen server. With no statement timeout (0, behind PgBouncer) a frozen
  // server is still bounded.
  if (values.queryTimeoutMs === undefined) {
    const statement = values.statementTimeoutMs as number | undefined;
    values.queryTimeoutMs = statement ? statement + QUERY_TIMEOUT_MARGIN_MS : QUERY_TIMEOUT_WITHOUT_STATEMENT_TIMEOUT_MS;
  }
  const { databaseUrl: _omit, ...rest } = values;
  const config: Config = Object.freeze({ ...(rest as Omit<Config, 'database'>), database });
  return Object.freeze({ config, settings: new ModuleSettings(settings) });
}

/** The core's configuration alone (no module options); throws one ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv, cli: Record<string, string | undefined> = {}): Config {
  return loadConfiguration(env, cli, []).config;
}
