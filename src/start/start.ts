// dist/<variant>/start.mjs: starts the server.mjs beside it with V8's code cache (code-cache.ts), which saves a start
// most of compiling the bundle's functions again. The test server (testing.mjs) and the packed `bin` start through it;
// `node server.mjs` still runs the same bundle as a plain ES module.
//
// The bundle's first line is the build's banner, which alone makes it an ES module (its `import` of createRequire and
// `import.meta.url`); the rest is an ES module body with no imports or exports. Here that line is replaced by a
// function head taking what the banner defined, and the whole is compiled as a script, whose code V8 can cache after
// it ran. Lines and columns stay where they were, so server.mjs.map still maps it.
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script, constants } from 'node:vm';
import { cacheFileName, cacheFolder, pruneCache, readCache, writeCache, type CodeCacheState } from './code-cache.js';
import type { StartHooks } from './hooks.js';

/** Set by the build (build/start-entry.mjs): the banner the bundle starts with, and its content hash. */
declare const __BUNDLE__: { readonly banner: string; readonly hash: string };

const url = new URL('./server.mjs', import.meta.url);
const bundle = fileURLToPath(url);
const fd = openSync(bundle, 'r');
const stats = fstatSync(fd);
const source = readFileSync(fd, 'utf8');
closeSync(fd);

if (!source.startsWith(`${__BUNDLE__.banner}\n`)) {
  // Not the bundle this file was built with: run it as what it is.
  await import(url.href);
} else {
  const folder = cacheFolder(process.env);
  const name = cacheFileName({ hash: __BUNDLE__.hash, size: stats.size, mtimeMs: stats.mtimeMs });
  const found = folder === undefined ? {} : readCache(folder, name);
  const script = new Script(`(function (require, __flagshipUrl, __flagshipStart) {'use strict';\n${source.slice(__BUNDLE__.banner.length + 1)}\n})`, {
    filename: bundle,
    ...(found.data ? { cachedData: found.data } : {}),
    // Should the bundle ever hold an import(), it resolves as it would in the module.
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const file = folder === undefined ? undefined : path.join(folder, name);
  const codeCache: CodeCacheState =
    folder === undefined
      ? { state: 'off', reason: 'NODE_DISABLE_COMPILE_CACHE is set' }
      : found.problem
        ? { state: 'unusable', file, reason: found.problem }
        : !found.data
          ? { state: 'missing', file }
          : script.cachedDataRejected
            ? { state: 'rejected', file }
            : { state: 'used', file };
  let saved: Promise<string | undefined> | undefined;
  const hooks: StartHooks = {
    codeCache,
    ready() {
      if (folder === undefined || (codeCache.state !== 'missing' && codeCache.state !== 'rejected')) return Promise.resolve(undefined);
      // After what the ready message set off (the default metrics), and once only.
      saved ??= new Promise((resolve) =>
        setImmediate(() => {
          const problem = writeCache(folder, name, script.createCachedData());
          if (problem) return resolve(problem);
          const removed = pruneCache(folder, name);
          resolve(removed === 0 ? 'saved' : `saved; removed ${removed} cache file(s) of other builds`);
        }),
      );
      return saved;
    },
  };
  (script.runInThisContext() as (require: NodeJS.Require, url: string, start: StartHooks) => void)(createRequire(url), url.href, hooks);
}
