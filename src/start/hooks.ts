// What dist/<variant>/start.mjs hands the server bundle it runs (start.ts): the state of the code cache, and a call to
// make once the server is ready. `node server.mjs` runs the bundle as a plain ES module, with no hooks.
import type { CodeCacheState } from './code-cache.js';

export interface StartHooks {
  readonly codeCache: CodeCacheState;
  /**
   * Called once the server is ready: saves the code compiled by then for the next start, if the cache lacked it.
   * Resolves to what it did or why it could not (for the debug log); never rejects.
   */
  ready(): Promise<string | undefined>;
}

/** The hooks of this start, if start.mjs ran the bundle. */
export function startHooks(): StartHooks | undefined {
  // The bundle's wrapper parameter (start.ts); undeclared when the bundle runs as an ES module, or from sources.
  return typeof __flagshipStart === 'undefined' ? undefined : __flagshipStart;
}
