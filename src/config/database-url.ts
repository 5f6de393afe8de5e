// DATABASE_URL decides the dialect: postgres:// or postgresql:// is PostgreSQL; sqlite:PATH, file:PATH or a bare
// path is SQLite. The variant then decides whether this build can serve it.
import { ConfigError, VariantLacksError } from '../errors.js';
import { buildHint, variant, type Dialect } from '../variant.js';

export type DatabaseTarget = { readonly dialect: 'sqlite'; readonly file: string } | { readonly dialect: 'postgres'; readonly url: string };

/**
 * Where a build that carries SQLite keeps its data when DATABASE_URL is not set: dev (what `npm start` runs) in
 * flagship.db, every other variant in a file named for it, so two builds started in one folder never migrate
 * each other's file. The server run from sources counts as dev.
 */
export const DEFAULT_SQLITE_FILE = variant.name === 'dev' || variant.name === 'source' ? './data/flagship.db' : `./data/flagship-${variant.name}.db`;

/** Query parameters that carry secrets in a libpq-style URL (?password=..., ?sslpassword=..., ?sslkey=...). */
const SECRET_PARAM = /pass|secret|key|token/i;

/**
 * postgres://user:secret@host/db?password=x -> postgres://user:***@host/db?password=***, for every log line and
 * message: the password may sit in the user-info part or in a query parameter.
 */
export function redactUrl(url: string): string {
  if (url.includes(',')) return url.replace(/:\/\/([^:/@]+):[^@/]*@/, '://$1:***@');
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const name of [...u.searchParams.keys()]) if (SECRET_PARAM.test(name)) u.searchParams.set(name, '***');
    return u.toString();
  } catch {
    return url.replace(/:\/\/([^:/@]+):[^@/]*@/, '://$1:***@').replace(/([?&][^=&]*(?:pass|secret|key|token)[^=&]*=)[^&]*/gi, '$1***');
  }
}

const MULTI_HOST = /^(postgres(?:ql)?:\/\/)([^@/?#]*@)?([^/?#]*)(.*)$/is;

/**
 * A libpq-style URL naming several hosts (`postgres://u:p@h1:5432,h2:5432/db`) as one URL per host, in order; a URL
 * with one host comes back alone. The read-write one is the primary (only a build that routes over several servers can follow that).
 */
export function splitHosts(url: string): string[] {
  const m = MULTI_HOST.exec(url);
  if (!m || !m[3]!.includes(',')) return [url];
  return m[3]!.split(',').map((host) => `${m[1]!}${m[2] ?? ''}${host.trim()}${m[4]!}`);
}

export function parseDatabaseUrl(raw: string | undefined): DatabaseTarget {
  if (raw === undefined || raw.trim() === '') {
    if (__DIALECT_SQLITE__) return { dialect: 'sqlite', file: DEFAULT_SQLITE_FILE };
    throw new ConfigError(
      `DATABASE_URL is not set; the "${variant.name}" build serves ${variant.dialects.join(' and ')} and needs a URL such as postgres://user:password@host:5432/flagship`,
    );
  }
  const value = raw.trim();
  let target: DatabaseTarget;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') {
    for (const one of splitHosts(value)) {
      try {
        const u = new URL(one);
        if (!u.hostname && !u.searchParams.get('host')) throw new Error('no host');
      } catch {
        throw new ConfigError(
          `DATABASE_URL ${redactUrl(value)} is not a valid PostgreSQL URL; use postgres://user:password@host:5432/database (several hosts: host1:5432,host2:5432)`,
        );
      }
    }
    target = { dialect: 'postgres', url: value };
  } else if (scheme === 'sqlite' || scheme === 'file') {
    const file = value.slice(scheme.length + 1).replace(/^\/\/(?=\/)/, '');
    if (file === '') throw new ConfigError(`DATABASE_URL ${value} names no file; use sqlite:./data/flagship.db or sqlite::memory:`);
    target = { dialect: 'sqlite', file };
  } else if (scheme === undefined || /^[a-z]$/i.test(scheme)) {
    // No scheme (or a Windows drive letter): a file path.
    target = { dialect: 'sqlite', file: value };
  } else {
    throw new ConfigError(`DATABASE_URL uses the unsupported scheme "${scheme}:"; flagship speaks postgres://... (PostgreSQL) and sqlite:PATH (SQLite)`);
  }
  assertVariantServes(target.dialect, target.dialect === 'postgres' ? redactUrl(target.url) : target.file);
  return target;
}

function assertVariantServes(dialect: Dialect, shown: string): void {
  if (variant.dialects.includes(dialect)) return;
  const what = dialect === 'postgres' ? 'a PostgreSQL URL' : 'a SQLite path';
  throw new VariantLacksError(
    `DATABASE_URL is ${what} (${shown}), but the "${variant.name}" build carries only ${variant.dialects.join(' and ')}; ${dialect === 'postgres' ? buildHint('postgres') : `${buildHint('sqlite')}, or set DATABASE_URL to a postgres:// URL`}`,
  );
}
