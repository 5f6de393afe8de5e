// Compile-time flags. build.mjs replaces each with a literal through esbuild `define`, so a branch guarded by one
// of them disappears from a bundle that switches it off. Use them directly in a condition (see docs/architecture.md).
declare const __FLAG_SCALING__: boolean;
declare const __FLAG_ENTERPRISE__: boolean;
declare const __DIALECT_SQLITE__: boolean;
declare const __DIALECT_POSTGRES__: boolean;
declare const __VARIANT__: string;
declare const __VERSION__: string;
declare const __FLAG_TESTING__: boolean;
/**
 * Where a bundle that carries SQLite finds better-sqlite3's compiled addon (beside server.mjs), and what it was built
 * for; null when running from sources, where better-sqlite3 finds its own in node_modules.
 */
declare const __SQLITE_ADDON__: {
  readonly file: string;
  readonly platform: string;
  readonly arch: string;
  readonly libc: string;
  readonly abi: string;
  /** The Node-API version an ABI-stable addon needs (it then loads on any Node offering it); null for one built per ABI. */
  readonly napi: string | null;
  readonly node: string;
  readonly betterSqlite3: string;
} | null;
/**
 * The hooks dist/<variant>/start.mjs passes the bundle it runs with V8's code cache (src/start/start.ts). Not a
 * compile-time flag: a parameter of the function start.mjs wraps the bundle in, and undefined under `node server.mjs`
 * (the bundle's first line says so). Read it through startHooks() (src/start/hooks.ts).
 */
declare const __flagshipStart: import('./start/hooks.js').StartHooks | undefined;
