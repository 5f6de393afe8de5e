// Every setting of the core, once: its environment variable, its CLI option, its default and what it means. --help
// and the configuration table in README.md are made from this table plus the options each compiled-in module declares
// (config/module-options.ts; the loader, src/features.ts, gathers them), and a test keeps the README current.

import { parseTrustProxy } from './trust-proxy.js';

export type OptionType = 'string' | 'port' | 'int' | 'enum' | 'bool' | 'addresses';

export interface OptionSpec {
  readonly key: string;
  readonly env: string;
  readonly flag: string;
  readonly type: OptionType;
  readonly default?: string;
  readonly values?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  readonly help: string;
  /**
   * Only meaningful for builds that carry this part: a dialect (`postgres`, `sqlite`) for the core's options, which
   * --help shows only where the build carries it; a module's name for a module's, for the README's table.
   */
  readonly only?: string;
  /**
   * Parses a value this table's types cannot express (a list, a URL per region...): the value, or every problem with
   * it. `where` names the source for messages (`DATABASE_REPLICAS="..."`). Used by modules for their own options.
   */
  readonly parse?: (raw: string, where: string) => { value: unknown } | { problems: string[] };
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const OPTIONS: readonly OptionSpec[] = Object.freeze([
  { key: 'port', env: 'PORT', flag: 'port', type: 'port', default: '3000', help: 'TCP port to listen on (0 picks a free one)' },
  { key: 'host', env: 'HOST', flag: 'host', type: 'string', default: '127.0.0.1', help: 'address to listen on; 0.0.0.0 for every interface (containers)' },
  {
    key: 'listenFd',
    env: 'LISTEN_FD',
    flag: 'listen-fd',
    type: 'int',
    min: 3,
    max: 65_535,
    help: 'listen on a TCP socket this process inherited already bound, as file descriptor N (handed over by a supervisor: 3 under systemd socket activation; or by a test harness), instead of binding HOST:PORT; set it without PORT and HOST. Anything but a TCP socket stops the start (exit 2); one on the wildcard address, or never bound, is served with a warning that every interface reaches it',
  },
  {
    key: 'databaseUrl',
    env: 'DATABASE_URL',
    flag: 'database-url',
    type: 'string',
    help: 'postgres://user:pass@host:5432/db, or sqlite:PATH / a file path; default sqlite:./data/flagship.db for dev, sqlite:./data/flagship-<variant>.db for another build that carries SQLite',
  },
  { key: 'logLevel', env: 'LOG_LEVEL', flag: 'log-level', type: 'enum', values: LOG_LEVELS, default: 'info', help: 'least severe level to log' },
  {
    key: 'migrateOnStart',
    env: 'MIGRATE_ON_START',
    flag: 'migrate-on-start',
    type: 'bool',
    default: 'true',
    help: 'apply pending migrations when `serve` starts',
  },
  {
    key: 'shutdownTimeoutMs',
    env: 'SHUTDOWN_TIMEOUT_MS',
    flag: 'shutdown-timeout-ms',
    type: 'int',
    min: 100,
    max: 600_000,
    default: '10000',
    help: 'on SIGTERM/SIGINT, how long in-flight requests may take before the process exits anyway (exit 1)',
  },
  {
    key: 'bodyLimitBytes',
    env: 'BODY_LIMIT_BYTES',
    flag: 'body-limit-bytes',
    type: 'int',
    min: 1024,
    max: 104_857_600,
    default: '1048576',
    help: 'largest request body accepted; larger is a 413',
  },
  {
    key: 'metricsAllow',
    env: 'METRICS_ALLOW',
    flag: 'metrics-allow',
    type: 'addresses',
    default: '127.0.0.1,::1',
    help:
      "the operator's client addresses or CIDR ranges (comma-separated): they may read GET /metrics, GET /v1/admin/* and the details of /healthz and /readyz " +
      'without an operator token (ADMIN_TOKEN); `any` makes everyone the operator, `none` no address; others get a 404 (the status alone from /healthz and /readyz)',
  },
  {
    key: 'signupRateLimit',
    env: 'SIGNUP_RATE_LIMIT',
    flag: 'signup-rate-limit',
    type: 'int',
    min: 0,
    max: 1_000_000,
    default: '20',
    help: 'signups per client address per RATE_LIMIT_WINDOW_S; more are a 429 with Retry-After (0 = no limit)',
  },
  {
    key: 'authFailureRateLimit',
    env: 'AUTH_FAILURE_RATE_LIMIT',
    flag: 'auth-failure-rate-limit',
    type: 'int',
    min: 0,
    max: 1_000_000,
    default: '50',
    help: 'failed authentications per client address per RATE_LIMIT_WINDOW_S before its authenticated requests are a 429 with Retry-After (0 = no limit)',
  },
  {
    key: 'rateLimitWindowSeconds',
    env: 'RATE_LIMIT_WINDOW_S',
    flag: 'rate-limit-window-s',
    type: 'int',
    min: 1,
    max: 86_400,
    default: '900',
    help: 'the window both rate limits count in',
  },
  {
    key: 'tokenLifetimeDays',
    env: 'TOKEN_LIFETIME_DAYS',
    flag: 'token-lifetime-days',
    type: 'int',
    min: 0,
    max: 36_500,
    default: '90',
    help: 'API tokens expire this long after they are issued unless POST /v1/tokens names an earlier `expiresAt` (0 = tokens do not expire)',
  },
  {
    key: 'trustProxy',
    env: 'TRUST_PROXY',
    flag: 'trust-proxy',
    type: 'string',
    default: 'false',
    help:
      'behind a load balancer: the number of proxies in front of the server (1 for one), or their addresses or CIDR ranges (comma-separated; ' +
      '`loopback`, `linklocal`, `uniquelocal` name those ranges); X-Forwarded-For is then read from those hops only, and the client address it ' +
      'yields is what rate limits, audit records and METRICS_ALLOW see. `true` is refused: it lets every client choose its address',
    parse: parseTrustProxy,
  },
  {
    key: 'adminToken',
    env: 'ADMIN_TOKEN',
    flag: 'admin-token',
    type: 'string',
    help:
      "the operator's bearer token (at least 32 characters, never a tenant's `fs_` token) for GET /v1/admin/*, /metrics and the details of " +
      '/healthz and /readyz from addresses outside METRICS_ALLOW; set it in the environment rather than on the command line (`openssl rand -hex 32`)',
  },
  {
    key: 'adminTokensFile',
    env: 'ADMIN_TOKENS_FILE',
    flag: 'admin-tokens-file',
    type: 'string',
    help: 'a file of operator tokens by their SHA-256 digests, one a line as 64 hex digits (`printf %s "$TOKEN" | sha256sum`), accepted like ADMIN_TOKEN',
  },
  {
    key: 'requestTimeoutMs',
    env: 'REQUEST_TIMEOUT_MS',
    flag: 'request-timeout-ms',
    type: 'int',
    min: 0,
    max: 3_600_000,
    default: '30000',
    help: 'the longest a client may take to send a whole request, headers and body; a slower one gets a 408 and its connection is closed (0 = no limit)',
  },
  {
    key: 'headersTimeoutMs',
    env: 'HEADERS_TIMEOUT_MS',
    flag: 'headers-timeout-ms',
    type: 'int',
    min: 0,
    max: 3_600_000,
    default: '10000',
    help: "the longest a client may take to send a request's headers; at most REQUEST_TIMEOUT_MS (0 = REQUEST_TIMEOUT_MS alone)",
  },
  {
    key: 'keepAliveTimeoutMs',
    env: 'KEEP_ALIVE_TIMEOUT_MS',
    flag: 'keep-alive-timeout-ms',
    type: 'int',
    min: 1,
    max: 3_600_000,
    default: '5000',
    help: "how long an idle keep-alive connection stays open for its next request; keep it above the load balancer's idle timeout where one pools connections",
  },
  {
    key: 'maxConnections',
    env: 'MAX_CONNECTIONS',
    flag: 'max-connections',
    type: 'int',
    min: 0,
    max: 1_000_000,
    default: '4096',
    help: 'open client connections at most; a connection beyond it is closed at once (0 = no limit)',
  },
  {
    key: 'busyTimeoutMs',
    env: 'SQLITE_BUSY_TIMEOUT_MS',
    flag: 'sqlite-busy-timeout-ms',
    type: 'int',
    min: 0,
    max: 600_000,
    default: '5000',
    only: 'sqlite',
    help: 'how long SQLite waits for another process holding the file lock',
  },
  {
    key: 'poolMax',
    env: 'DB_POOL_MAX',
    flag: 'db-pool-max',
    type: 'int',
    min: 1,
    max: 1000,
    default: '10',
    only: 'postgres',
    help: 'connections per PostgreSQL pool',
  },
  {
    key: 'preparedStatements',
    env: 'DB_PREPARED_STATEMENTS',
    flag: 'db-prepared-statements',
    type: 'enum',
    values: ['unnamed', 'named'],
    default: 'unnamed',
    only: 'postgres',
    help:
      'unnamed: every query parsed and planned on every run, and nothing kept in a server session (what a pooler in transaction mode needs: PgBouncer before 1.21, or with max_prepared_statements = 0); ' +
      'named: each connection prepares the hot queries once (about a quarter less of the database time under load), for a direct connection or a pooler that keeps prepared statements; see README before a rolling upgrade that changes a column type',
  },
  {
    key: 'connectTimeoutMs',
    env: 'DB_CONNECT_TIMEOUT_MS',
    flag: 'db-connect-timeout-ms',
    type: 'int',
    min: 100,
    max: 600_000,
    default: '5000',
    only: 'postgres',
    help: 'wait for a new connection, or for a free pooled one, before answering 503',
  },
  {
    key: 'idleTimeoutMs',
    env: 'DB_IDLE_TIMEOUT_MS',
    flag: 'db-idle-timeout-ms',
    type: 'int',
    min: 0,
    max: 86_400_000,
    default: '30000',
    only: 'postgres',
    help: 'close pooled connections idle this long',
  },
  {
    key: 'statementTimeoutMs',
    env: 'DB_STATEMENT_TIMEOUT_MS',
    flag: 'db-statement-timeout-ms',
    type: 'int',
    min: 0,
    max: 86_400_000,
    default: '30000',
    only: 'postgres',
    help: 'PostgreSQL statement_timeout for every pooled connection (0 = none)',
  },
  {
    key: 'maxLifetimeSeconds',
    env: 'DB_MAX_LIFETIME_S',
    flag: 'db-max-lifetime-s',
    type: 'int',
    min: 0,
    max: 86_400,
    default: '1800',
    only: 'postgres',
    help: 'recycle pooled connections after this long (0 = never)',
  },
  {
    key: 'queryTimeoutMs',
    env: 'DB_QUERY_TIMEOUT_MS',
    flag: 'db-query-timeout-ms',
    type: 'int',
    min: 0,
    max: 86_400_000,
    only: 'postgres',
    help: 'client-side bound on every query, for a server that stopped answering (frozen, or cut off by the network); unless set, DB_STATEMENT_TIMEOUT_MS + 1000 (35000 when that is 0); keep it above DB_STATEMENT_TIMEOUT_MS (0 = none)',
  },
  {
    key: 'startRetryMs',
    env: 'DB_START_RETRY_MS',
    flag: 'db-start-retry-ms',
    type: 'int',
    min: 0,
    max: 86_400_000,
    default: '120000',
    help: 'how long `serve` keeps retrying a database that cannot be reached yet (starting, restarting) before exiting 1 (0 = forever); one that can never work as configured (not a database, a directory, an unknown host or role) exits 2 at once',
  },
  {
    key: 'readyFile',
    env: 'FLAGSHIP_READY_FILE',
    flag: 'ready-file',
    type: 'string',
    help: 'once ready, write {"url", "pid", ...} as JSON to this file, whole (for test harnesses); removed at shutdown. The path must not exist: an existing file is refused at start, never overwritten',
  },
] satisfies OptionSpec[]);
