// Command-line parsing with node:util, against the same option table as the environment.
import { parseArgs } from 'node:util';
import { OPTIONS, type OptionSpec } from '../config/options.js';
import { ConfigError } from '../errors.js';

export const COMMANDS = ['serve', 'migrate'] as const;
export type Command = (typeof COMMANDS)[number];

export interface ParsedArgs {
  readonly command: Command | 'help' | 'version';
  readonly options: Record<string, string | undefined>;
}

/** `moduleOptions`: the options the compiled-in modules declare (src/features.ts), accepted like the core's. */
export function parseCli(argv: string[], moduleOptions: readonly OptionSpec[] = []): ParsedArgs {
  const all = [...OPTIONS, ...moduleOptions];
  const spec: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' }, version: { type: 'boolean' } };
  for (const o of all) spec[o.flag] = { type: 'string' };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: spec, allowPositionals: true, strict: true });
  } catch (err) {
    throw new ConfigError(`${(err as Error).message.replace(/\. To specify.*$/s, '')}; see --help for the options`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: 'help', options: {} };
  if (values.version) return { command: 'version', options: {} };
  if (positionals.length > 1) throw new ConfigError(`expected one command, got "${positionals.join(' ')}"; commands are ${COMMANDS.join(', ')}`);
  const command = (positionals[0] ?? 'serve') as Command;
  if (!COMMANDS.includes(command)) throw new ConfigError(`unknown command "${positionals[0]}"; commands are ${COMMANDS.join(', ')} (see --help)`);
  const options: Record<string, string | undefined> = {};
  for (const o of all) options[o.flag] = values[o.flag] as string | undefined;
  return { command, options };
}
