// Structured JSON logs on stdout, one object a line (pino, through Fastify). No transports: they run in worker
// threads that do not bundle, and the platform ships stdout anyway.
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { variant } from '../variant.js';

export type Logger = FastifyBaseLogger;

/** `fd` 2 sends the lines to stderr: commands whose stdout is their output (`audit checkpoint > file`) use it. */
export function createLogger(level: string, fd: 1 | 2 = 1): Logger {
  return pino({
    level,
    base: { variant: variant.name },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // Tokens travel in this header; a log line must never carry one.
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
  }, pino.destination({ fd, sync: true }));
}
