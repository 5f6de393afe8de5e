// What a module declares about its options: the option table rows it owns (shown in --help and the README's table,
// read from the command line and the environment like the core's) and the function that turns their parsed values
// into the module's own typed, frozen settings, with its own cross-option checks. The core reads and validates every
// option of the variant in one pass, so one ConfigError lists a module's problems beside the core's.
import type { DatabaseTarget } from './database-url.js';
import type { OptionSpec } from './options.js';

/** One module's option values as parsed: defaults filled in, absent where unset and without a default. */
export class OptionValues {
  readonly #values: ReadonlyMap<string, unknown>;

  constructor(values: ReadonlyMap<string, unknown>) {
    this.#values = values;
  }

  #typed<T>(key: string, type: string, is: (v: unknown) => v is T): T | undefined {
    const value = this.#values.get(key);
    if (value !== undefined && !is(value)) throw new TypeError(`option ${key} holds a ${typeof value}, not a ${type}; its OptionSpec and its reader disagree`);
    return value;
  }

  string(key: string): string | undefined {
    return this.#typed(key, 'string', (v): v is string => typeof v === 'string');
  }

  /** A whole number; `int` and `port` options with a default always have one. */
  int(key: string): number {
    const value = this.#typed(key, 'number', (v): v is number => typeof v === 'number');
    if (value === undefined) throw new TypeError(`option ${key} has no value; give its OptionSpec a default`);
    return value;
  }

  bool(key: string): boolean {
    return this.#typed(key, 'boolean', (v): v is boolean => typeof v === 'boolean') ?? false;
  }

  /** What the option's own `parse` returned; `T` is that function's value type. */
  parsed<T>(key: string): T | undefined {
    return this.#values.get(key) as T | undefined;
  }

  has(key: string): boolean {
    return this.#values.get(key) !== undefined;
  }
}

/** What a module's settings may see of the core's configuration, and where its cross-option problems go. */
export interface SettingsContext {
  /** The database DATABASE_URL names; undefined when that option is itself wrong. */
  readonly database: DatabaseTarget | undefined;
  /** Reports a problem, worded for the start-up error (what is wrong, what to do). */
  problem(message: string): void;
}

export interface ModuleOptions<S = unknown> {
  /** The module's name, as --version and /healthz show it. */
  readonly module: string;
  readonly options: readonly OptionSpec[];
  /**
   * The module's typed settings from its parsed values (called only when every one of them parsed). Problems go to
   * `ctx.problem`; the settings are then never used.
   */
  settings(values: OptionValues, ctx: SettingsContext): S;
  /**
   * Set on a declaration the loader makes for a module this build does not carry: its options are read only to be
   * refused with how to get a build that has it; --help and the README do not list them.
   */
  readonly absent?: true;
}

/** Each module's settings after loading, by declaration, typed. */
export class ModuleSettings {
  readonly #byModule: ReadonlyMap<string, unknown>;

  constructor(byModule: ReadonlyMap<string, unknown>) {
    this.#byModule = byModule;
  }

  /** The settings of the module `declaration` describes, or undefined when it was not loaded. */
  of<S>(declaration: ModuleOptions<S>): S | undefined {
    return this.#byModule.get(declaration.module) as S | undefined;
  }
}
