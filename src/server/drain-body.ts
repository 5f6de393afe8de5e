// An answer sent before the request body was read (413 for a body over BODY_LIMIT_BYTES) must reach a client that is
// still sending it. Closing a socket with unread data in it resets the connection, and a client that reads the answer
// only once it has sent everything (undici's fetch, so Node's own) then reports EPIPE instead of the 413. So the rest
// of the body is read and thrown away first, within bounds: past them the answer goes out anyway and the connection
// closes, and only such a client misses it.
import type { IncomingMessage } from 'node:http';

/** At most this much more is read and discarded, */
export const DRAIN_MAX_BYTES = 64 * 1024 * 1024;
/** for at most this long. */
export const DRAIN_MAX_MS = 10_000;

/** Resolves once the request body has been read to its end, or the bounds are reached, or the connection is gone. */
export function drainBody(req: IncomingMessage, maxBytes = DRAIN_MAX_BYTES, maxMs = DRAIN_MAX_MS): Promise<void> {
  if (req.complete || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const done = () => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', done);
      req.off('close', done);
      req.off('error', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > maxBytes) done();
    };
    const timer = setTimeout(done, maxMs);
    req.on('data', onData);
    req.once('end', done);
    req.once('close', done);
    req.once('error', done);
    req.resume();
  });
}
