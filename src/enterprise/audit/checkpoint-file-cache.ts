// The checkpoint file as the verify routes read it. The file only grows (a line per moved chain per interval), and
// reading it means checking every line's signature, so a tenant asking for a verification must not make the server
// read it all again each time: it is read again only when its identity, size or modification time changed, and
// requests that arrive while it is being read share that one read.
import { stat } from 'node:fs/promises';
import { readCheckpointFile, type AuditKey, type CheckpointLog } from './checkpoint.js';

export function cachedCheckpointFile(file: string, key: AuditKey): () => Promise<CheckpointLog> {
  let cached: { readonly stamp: string; readonly log: Promise<CheckpointLog> } | undefined;
  return async () => {
    let stamp: string;
    try {
      const s = await stat(file, { bigint: true });
      stamp = `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}`;
    } catch (err) {
      // Missing reads as empty (readCheckpointFile says so); any other problem is read, and reported, afresh.
      stamp = `unstated:${(err as NodeJS.ErrnoException).code ?? 'error'}`;
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return readCheckpointFile(file, key, { missingIsEmpty: true });
    }
    if (cached?.stamp !== stamp) {
      const log = readCheckpointFile(file, key, { missingIsEmpty: true });
      cached = { stamp, log };
      // A failed read is not kept: the next request tries again.
      log.catch(() => {
        if (cached?.log === log) cached = undefined;
      });
    }
    return cached.log;
  };
}
