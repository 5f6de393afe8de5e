// Command-line parsing with node:util, against the same option table as the environment.
import { parseArgs } from 'node:util';
import { OPTIONS, type OptionSpec } from '../config/options.js';
import { ConfigError } from '../errors.js';

export const COMMANDS = ['serve', 'migrate'] as const;
export type Command = (typeof COMMANDS)[number];

export interface ParsedArgs {
  /** A core command, help, version, or the name of a command a feature may add (checked once features are loaded). */
  readonly command: Command | 'help' | 'version' | (string & {});
  /** Words after a feature command's name (`audit verify` -> ["verify"]). */
  readonly rest: string[];
  readonly options: Record<string, string | undefined>;
}

const BOOLEAN_WORDS = /^(true|false|yes|no|on|off|1|0)$/i;

/**
 * A yes/no option may stand alone (`--testing`) as well as take a value (`--testing true`, `--testing=false`):
 * a bare one becomes `--name=true` unless the next argument is a yes/no word.
 */
function expandBareSwitches(argv: string[], options: readonly OptionSpec[]): string[] {
  const switches = new Set(options.filter((o) => o.type === 'bool').map((o) => `--${o.flag}`));
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return [...out, ...argv.slice(i)];
    const next = argv[i + 1];
    out.push(switches.has(arg) && (next === undefined || !BOOLEAN_WORDS.test(next)) ? `${arg}=true` : arg);
  }
  return out;
}

/**
 * `moduleOptions`: the options the modules declare (gathered by the loader, src/features.ts), accepted like the core's.
 * `unknown` explains an option this build does not take when it knows why (a module the build lacks).
 */
export function parseCli(argv: string[], moduleOptions: readonly OptionSpec[] = [], unknown?: (flag: string) => string | undefined): ParsedArgs {
  const all = [...OPTIONS, ...moduleOptions];
  const spec: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' }, version: { type: 'boolean' } };
  for (const o of all) spec[o.flag] = { type: 'string' };
  let parsed;
  try {
    parsed = parseArgs({ args: expandBareSwitches(argv, all), options: spec, allowPositionals: true, strict: true });
  } catch (err) {
    const flag = /Unknown option '--([^'=\s]+)/.exec((err as Error).message)?.[1];
    const why = flag === undefined ? undefined : unknown?.(flag);
    throw new ConfigError(why ?? `${(err as Error).message.replace(/\. To specify.*$/s, '')}; see --help for the options`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: 'help', rest: [], options: {} };
  if (values.version) return { command: 'version', rest: [], options: {} };
  const command = positionals[0] ?? 'serve';
  const core = (COMMANDS as readonly string[]).includes(command);
  if (core && positionals.length > 1) throw new ConfigError(`expected one command, got "${positionals.join(' ')}"; commands are ${COMMANDS.join(', ')}`);
  const options: Record<string, string | undefined> = {};
  for (const o of all) options[o.flag] = values[o.flag] as string | undefined;
  return { command, rest: positionals.slice(1), options };
}
