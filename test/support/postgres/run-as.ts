// PostgreSQL refuses to run as root, and CI runs the tests as root: then every server program runs as `nobody`.
import { execFile } from 'node:child_process';
import { lchown, lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

export interface RunAs {
  user: string;
  uid: number;
  gid: number;
}

/** Who the servers run as: undefined when this process is already unprivileged (then they run as us). */
export async function resolveRunAs(): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  for (const line of passwd.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name === 'nobody' && uid !== undefined && gid !== undefined) return { user: name, uid: Number(uid), gid: Number(gid) };
  }
  throw new Error(
    'The tests run as root and PostgreSQL refuses to run as root, but /etc/passwd has no "nobody" user to run it as. ' +
      'Add one (useradd --system nobody), run the tests as an ordinary user, or point TEST_DATABASE_URL at a running server.',
  );
}

export interface RunOptions {
  /** Numeric ids to run as; omitted means as this process. */
  uid?: number | undefined;
  gid?: number | undefined;
  /** HOME and cwd: PostgreSQL programs fail in a cwd they cannot read, and nobody's own HOME does not exist. */
  home: string;
  timeoutMs?: number;
}

/** Runs a program to completion; a failure carries its output, which is where PostgreSQL explains itself. */
export function run(file: string, args: string[], options: RunOptions): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        ...(options.uid !== undefined && options.gid !== undefined ? { uid: options.uid, gid: options.gid } : {}),
        cwd: options.home,
        // A clean environment: inherited PGPORT, PGDATA, PGHOST and friends would silently redirect pg_ctl and initdb.
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: options.home, LC_ALL: 'C', LANG: 'C' },
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (!error) return resolve({ stdout, stderr });
        const who = options.uid !== undefined ? ` as uid ${options.uid}` : '';
        const output = `${stdout}${stderr}`.trim();
        reject(new Error(`${path.basename(file)} ${args.join(' ')}${who} failed: ${error.message.split('\n')[0]}${output ? `\n${output}` : ''}`));
      },
    );
  });
}

/** Hands a whole tree to the server user (symlinks themselves, not their targets). */
export async function chownTree(root: string, uid: number, gid: number): Promise<void> {
  await lchown(root, uid, gid);
  if (!(await lstat(root)).isDirectory()) return;
  const entries = await readdir(root);
  await Promise.all(entries.map((name) => chownTree(path.join(root, name), uid, gid)));
}

const R = 4;
const X = 1;

async function permits(target: string, who: RunAs, bits: number): Promise<boolean> {
  const st = await stat(target).catch(() => undefined);
  if (!st) return false;
  const shift = st.uid === who.uid ? 6 : st.gid === who.gid ? 3 : 0;
  return ((st.mode >> shift) & bits) === bits;
}

/**
 * Whether `who` may read (and for directories, enter) `target` and every directory above it, by mode bits alone.
 * fs.access cannot answer this: it checks for the calling user, which is root.
 */
export async function usableBy(target: string, who: RunAs, bits: number = R | X): Promise<boolean> {
  const real = await realpath(target).catch(() => undefined);
  if (!real) return false;
  for (let dir = path.dirname(real); ; dir = path.dirname(dir)) {
    if (!(await permits(dir, who, X))) return false;
    if (dir === path.dirname(dir)) break;
  }
  return permits(real, who, bits);
}
