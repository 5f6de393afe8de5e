// Structured JSON logs on stdout, one object a line (pino, through Fastify). No transports: they run in worker
// threads that do not bundle, and the platform ships stdout anyway.
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { variant } from '../variant.js';

export type Logger = FastifyBaseLogger;

export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      base: { variant: variant.name },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Tokens travel in this header; a log line must never carry one.
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
    },
    // Written without blocking the event loop: under load the lines that arrive while a write is in flight go out
    // together in the next one, instead of one blocking write per line. pino flushes what is pending when the
    // process exits (a normal exit, a signal we handle, a crash); only a SIGKILL can lose the last moment's lines.
    pino.destination({ dest: 1, sync: false }),
  );
}
