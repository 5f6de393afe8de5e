// Structured JSON logs on stdout, one object a line (pino, through Fastify). No transports: they run in worker
// threads that do not bundle, and the platform ships stdout anyway.
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { variant } from '../variant.js';
import { LogDestination } from './log-destination.js';

export type Logger = FastifyBaseLogger;

/** `fd` 2 sends the lines to stderr: commands whose stdout is their output (`audit checkpoint > file`) use it. */
export function createLogger(level: string, fd: 1 | 2 = 1): Logger {
  return pino(
    {
      level,
      base: { variant: variant.name },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Tokens travel in this header; a log line must never carry one.
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
    },
    // The server's lines (stdout) are written without blocking the event loop: under load the lines that arrive while
    // a write is in flight go out together in the next one. What is pending goes out when the process exits (a
    // normal exit, a signal we handle, a crash); only a SIGKILL can lose the last moment's lines. A destination that
    // fails (its reader gone) drops the lines instead of holding the process up (log-destination.ts). Commands
    // logging to stderr keep their lines in step with their output.
    new LogDestination(fd, fd === 2),
  );
}

/** Resolves once the lines logged so far are out (or dropped by a destination that failed). */
export function logsFlushed(logger: Logger): Promise<void> {
  const { flush } = logger as Partial<Pick<ReturnType<typeof pino>, 'flush'>>;
  return new Promise((resolve) => (flush ? flush.call(logger, () => resolve()) : resolve()));
}
