// Structured JSON logs on stdout, one object a line (pino, through Fastify). No transports: they run in worker
// threads that do not bundle, and the platform ships stdout anyway.
import type { FastifyBaseLogger } from 'fastify';
import { pino, type DestinationStream } from 'pino';
import { variant } from '../variant.js';
import { serializeRequest } from './log-redaction.js';
import { LogDestination } from './log-destination.js';

export type Logger = FastifyBaseLogger;

/**
 * `fd` 2 sends the lines to stderr: commands whose stdout is their output (`audit checkpoint > file`) use it. A
 * `destination` stream takes the place of either (tests read the lines).
 */
export function createLogger(level: string, fd: 1 | 2 = 1, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { variant: variant.name },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // In place of Fastify's request serializer: the same fields, with credentials in the query string redacted. It
      // writes no header, so the Authorization and Cookie headers that carry tokens never reach a line; pino's
      // path redaction, which guarded them before, walked every line for a field that is never there (about 2 µs of
      // each request's line).
      serializers: { req: serializeRequest },
    },
    // The server's lines (stdout) are written without blocking the event loop: under load the lines that arrive while
    // a write is in flight go out together in the next one. What is pending goes out when the process exits (a
    // normal exit, a signal we handle, a crash); only a SIGKILL can lose the last moment's lines. A destination that
    // fails (its reader gone) drops the lines instead of holding the process up (log-destination.ts). Commands
    // logging to stderr keep their lines in step with their output.
    destination ?? new LogDestination(fd, fd === 2),
  );
}

/** Resolves once the lines logged so far are out (or dropped by a destination that failed). */
export function logsFlushed(logger: Logger): Promise<void> {
  const { flush } = logger as Partial<Pick<ReturnType<typeof pino>, 'flush'>>;
  return new Promise((resolve) => (flush ? flush.call(logger, () => resolve()) : resolve()));
}
