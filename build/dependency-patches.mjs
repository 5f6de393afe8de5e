// An esbuild plugin: two changes to dependencies as they go into the bundle, each taking off the server's start work
// that the start never needed, with what the code does unchanged.
//
// - A package required for later: Fastify's plugin-utils requires semver when it loads, to check the `fastify`
//   version range a plugin may declare. Evaluating semver (its patterns, its range classes) cost about 1.5 ms of every
//   start; the server's own plugins declare no range, so the first check comes with the first plugin that does (the
//   OpenAPI document's). The require gets an object that loads semver the first time anything of it is read.
// - A patch of text: find-my-way makes each route's static prefix matcher with `new Function` (code V8 compiles at
//   every start, out of the code cache's reach: about 2 ms of a test server's start). The patch makes it a closure over
//   the prefix that answers the same: whether the path holds the prefix at that position.
// - Two patches of text in pino: its tools require node:worker_threads when pino loads, for `isMainThread`, read only
//   when pino builds a SonicBoom destination of its own, and its transports require thread-stream (which requires
//   node:worker_threads too) for `pino.transport()`. flagship writes through a destination of its own and starts no
//   transport, and loading node:worker_threads cost about 1 ms of every start. Each is now required where it is read,
//   which gives the same value when it is.
//
// A patch names the file and the exact text it replaces; a dependency whose file holds that text other than once (an
// upgrade changed it) fails the build, naming the patch, so no patch is ever applied to code it was not written for,
// and none is dropped unseen.
import { standInSource } from './stand-in.mjs';

/** Packages a dependency requires at load but uses later: by the requiring file (a path ending) and the package name. */
export const LATER_PACKAGES = [{ importer: 'fastify/lib/plugin-utils.js', request: 'semver' }];

export const TEXT_PATCHES = [
  {
    file: 'find-my-way/lib/node.js',
    find: "  return new Function('path', 'i', `'use strict'\\nreturn ${lines.join(' && ')}`) // eslint-disable-line",
    replace: '  return function matchPrefix (path, i) { return path.startsWith(prefix, i) }',
  },
  { file: 'pino/lib/tools.js', find: "const { isMainThread } = require('worker_threads')\n", replace: '' },
  { file: 'pino/lib/tools.js', find: '  if (!opts.sync && isMainThread) {', replace: "  if (!opts.sync && require('worker_threads').isMainThread) {" },
  { file: 'pino/lib/transport.js', find: "const ThreadStream = require('thread-stream')\n", replace: '' },
  { file: 'pino/lib/transport.js', find: '  const stream = new ThreadStream({', replace: "  const stream = new (require('thread-stream'))({" },
];

export class DependencyPatchError extends Error {
  name = 'DependencyPatchError';
}

const endsWithPath = (file, ending) => file.replaceAll('\\', '/').endsWith(`/node_modules/${ending}`);

/** `text` with the patch applied; throws unless the patch's text is there exactly once. */
export function applyTextPatch(patch, text) {
  const at = text.indexOf(patch.find);
  if (at === -1 || text.indexOf(patch.find, at + 1) !== -1) {
    throw new DependencyPatchError(
      `build/dependency-patches.mjs: ${patch.file} no longer holds the text its patch replaces exactly once (${at === -1 ? 'not found' : 'found more than once'}); the dependency changed: check what the patch was for against its new code, then update or drop the patch`,
    );
  }
  return text.slice(0, at) + patch.replace + text.slice(at + patch.find.length);
}

export const dependencyPatches = {
  name: 'dependency-patches',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.kind !== 'require-call' || args.namespace === 'required-later') return undefined;
      const later = LATER_PACKAGES.find((p) => p.request === args.path && endsWithPath(args.importer, p.importer));
      return later ? { path: args.path, namespace: 'required-later', pluginData: { resolveDir: args.resolveDir } } : undefined;
    });
    build.onLoad({ filter: /.*/, namespace: 'required-later' }, (args) => ({
      contents: standInSource(args.path),
      // The require in it resolves from where the dependency's did, to the real package.
      resolveDir: args.pluginData.resolveDir,
      loader: 'js',
    }));
    const files = new RegExp(
      `[\\\\/]node_modules[\\\\/](${TEXT_PATCHES.map((p) => p.file.replace(/[.*+?^${}()|[\]\\/]/g, (c) => (c === '/' ? '[\\\\/]' : `\\${c}`))).join('|')})$`,
    );
    build.onLoad({ filter: files }, async (args) => {
      const { readFile } = await import('node:fs/promises');
      let text = await readFile(args.path, 'utf8');
      for (const patch of TEXT_PATCHES) if (endsWithPath(args.path, patch.file)) text = applyTextPatch(patch, text);
      return { contents: text, loader: 'js' };
    });
  },
};
