// Configuration: environment variables overridden by CLI options, validated once at start and frozen. Every bad value
// is reported together, each with what is wrong and what is accepted, so one restart fixes them all.
import { ConfigError } from '../errors.js';
import { parseDatabaseUrl, type DatabaseTarget } from './database-url.js';
import { parseAddresses } from './addresses.js';
import { OPTIONS, type OptionSpec } from './options.js';
import { testingProblems } from './testing-guard.js';
import type { TrustProxy } from './trust-proxy.js';
import { adminTokenProblem } from './admin-tokens.js';

export interface Config {
  readonly port: number;
  readonly host: string;
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
  readonly connectTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly statementTimeoutMs: number;
  readonly maxLifetimeSeconds: number;
  readonly auditKeyFile: string | undefined;
  readonly auditCheckpointFile: string | undefined;
  readonly readyFile: string | undefined;
  readonly testing: boolean;
  readonly testingAllowPersistent: boolean;
  readonly seed: string | undefined;
  /** Values of the options the compiled-in modules declare, by key; each module reads and types its own. */
  readonly modules: Readonly<Record<string, unknown>>;
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

/**
 * Reads every option from `cli` (parsed --options, by flag name) or else `env`, falling back to its default.
 * `moduleOptions` are those the compiled-in modules declare; their values land in `modules`. Throws one ConfigError
 * listing every problem.
 */
export function loadConfig(env: NodeJS.ProcessEnv, cli: Record<string, string | undefined> = {}, moduleOptions: readonly OptionSpec[] = []): Config {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  const modules: Record<string, unknown> = {};
  for (const spec of [...OPTIONS, ...moduleOptions]) {
    const into = OPTIONS.includes(spec) ? values : modules;
    const fromCli = cli[spec.flag];
    const fromEnv = env[spec.env];
    const raw = fromCli ?? (fromEnv === '' ? undefined : fromEnv) ?? spec.default;
    if (raw === undefined) {
      into[spec.key] = undefined;
      continue;
    }
    const source = fromCli !== undefined ? `--${spec.flag}` : fromEnv !== undefined && fromEnv !== '' ? spec.env : `default ${spec.env}`;
    const parsed = parseValue(spec, raw, source);
    if (parsed.problem) problems.push(parsed.problem);
    else if (parsed.problems) problems.push(...parsed.problems);
    else into[spec.key] = parsed.value;
  }
  let database: DatabaseTarget | undefined;
  try {
    database = parseDatabaseUrl(values.databaseUrl as string | undefined);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    if (problems.length === 0) throw err;
    problems.push(err.message);
  }
  const adminToken = adminTokenProblem(values.adminToken as string | undefined);
  if (adminToken) problems.push(adminToken);
  const requestTimeout = values.requestTimeoutMs as number | undefined;
  const headersTimeout = values.headersTimeoutMs as number | undefined;
  if (requestTimeout !== undefined && headersTimeout !== undefined && requestTimeout > 0 && headersTimeout > requestTimeout) {
    problems.push(`HEADERS_TIMEOUT_MS (${headersTimeout}) is longer than REQUEST_TIMEOUT_MS (${requestTimeout}); make it at most REQUEST_TIMEOUT_MS`);
  }
  problems.push(
    ...testingProblems(
      { testing: values.testing === true, testingAllowPersistent: values.testingAllowPersistent === true, seed: values.seed as string | undefined },
      database,
    ),
  );
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
  return Object.freeze({ ...(rest as Omit<Config, 'database' | 'modules'>), database, modules: Object.freeze(modules) });
}
