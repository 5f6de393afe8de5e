// What went wrong with a file an option names, in words that never quote the file: an error from reading it, or from
// parsing what was read, can carry the start of its content (Node's JSON.parse does), and the file may be one the
// process should not show (a key, /etc/shadow).

const READ_PROBLEMS: Readonly<Record<string, string>> = {
  ENOENT: 'does not exist',
  EACCES: 'cannot be read (permission denied)',
  EPERM: 'cannot be read (operation not permitted)',
  EISDIR: 'is a directory',
  ENOTDIR: 'is under something that is not a directory',
  ELOOP: 'is a loop of symbolic links',
  ENAMETOOLONG: 'has a name that is too long',
};

/** The wording of an error's code from `problems`, or "cannot be <done>" with the code when it has none. */
function problemOf(err: unknown, problems: Readonly<Record<string, string>>, done: 'read' | 'written'): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === undefined) return `cannot be ${done}`;
  return problems[code] ?? `cannot be ${done} (${code})`;
}

/** The problem reading a file, from its error code alone: "does not exist", "is a directory"... */
export function readProblem(err: unknown): string {
  return problemOf(err, READ_PROBLEMS, 'read');
}

const WRITE_PROBLEMS: Readonly<Record<string, string>> = {
  ...READ_PROBLEMS,
  EACCES: 'cannot be written (permission denied)',
  EPERM: 'cannot be written (operation not permitted)',
  EROFS: 'cannot be written (read-only file system)',
  ENOSPC: 'cannot be written (no space left on the device)',
};

/** The problem writing a file (or the folder it goes in), from its error code alone, worded as readProblem is. */
export function writeProblem(err: unknown): string {
  return problemOf(err, WRITE_PROBLEMS, 'written');
}
