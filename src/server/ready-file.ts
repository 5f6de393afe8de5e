// --ready-file: once the server takes traffic, the facts a harness needs (the bound URL above all, which --port 0
// makes unknowable in advance) as one JSON object in a file, so nothing has to parse log lines. Written to a
// temporary name and linked into place, so a reader polling for the file never sees half of it. The server only ever
// writes a file it creates, and only removes the file it wrote: a path pointing at someone's existing file (by
// mistake, or by whoever chose the server's options) is refused at start, never overwritten or deleted.
import { link, lstat, rm, writeFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';

interface Identity {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly ctimeMs: number;
}

const identity = ({ dev, ino, size, ctimeMs }: Identity): Identity => ({ dev, ino, size, ctimeMs });
const same = (a: Identity, b: Identity) => a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.ctimeMs === b.ctimeMs;

export class ReadyFile {
  /**
   * The file this server created, once written: device, inode, size and change time, since a file put in its place
   * may well get the freed inode number again.
   */
  #written: Identity | undefined;

  constructor(readonly file: string) {}

  /** At start, before anything else: the path must not exist yet. */
  async claim(): Promise<void> {
    const existing = await lstat(this.file).catch(() => undefined);
    if (existing) {
      throw new ConfigError(
        `--ready-file ${this.file} already exists and this server did not create it; it is never overwritten nor removed: delete it, or give a path that does not exist`,
      );
    }
  }

  async write(facts: Record<string, unknown>): Promise<void> {
    const partial = `${this.file}.${process.pid}.partial`;
    try {
      // `wx` and `link` both refuse to replace what exists: a file created at the path since start is left alone.
      await writeFile(partial, JSON.stringify(facts) + '\n', { flag: 'wx', mode: 0o600 });
      try {
        await link(partial, this.file);
      } finally {
        await rm(partial, { force: true });
      }
      this.#written = identity(await lstat(this.file));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'EEXIST' ? 'something created it after start' : (code ?? (err as Error).message);
      throw new ConfigError(`--ready-file ${this.file} cannot be written (${why}); give a path in an existing, writable folder, where no file exists yet`);
    }
  }

  /** At shutdown: a harness that reuses the path must not mistake the last run's file for this one. */
  async remove(): Promise<void> {
    const written = this.#written;
    if (!written) return;
    this.#written = undefined;
    const stat = await lstat(this.file).catch(() => undefined);
    if (stat && same(identity(stat), written)) await rm(this.file, { force: true });
  }
}
