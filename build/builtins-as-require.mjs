// An esbuild plugin: the bundle reaches Node's built-in modules through `require` (the banner's), never through an
// ESM `import`. An ESM import of a built-in makes Node build the module's ESM facade, which reads every export once;
// for node:http that includes the lazy getters (WebSocket, fetch's classes) that load undici, some 25 ms of start-up
// for nothing the server uses. `require` hands back the module object and reads nothing.
//
// Two built-ins are reached later still: Fastify requires node:https and node:http2 when it loads, for servers that
// serve TLS or HTTP/2, which flagship's never do; loading them (TLS, its secure context, HTTP/2's core) cost 15 to 40 ms
// of every start. A `require` of either in the bundle gets an object that loads the real module the first time
// anything of it is read, and hands on everything from then on.
import { createRequire } from 'node:module';
import { standInSource } from './stand-in.mjs';

const LAZY = /^(node:)?(https|http2|assert|perf_hooks)$/;

// Two more are imported by our own modules for functions the start does not call: node:crypto (hashes, random ids and
// tokens, for requests; about 4 ms to load) and node:fs/promises (the ready file). An import of either gets a module
// of functions that load the real one on their first call. Only functions whose names start in lower case are
// offered: importing anything else from them (a class, a constant) fails the build, rather than getting a stand-in.
const LAZY_FUNCTIONS = new Set(['node:crypto', 'node:fs/promises']);
const require = createRequire(import.meta.url);

/**
 * An ES module over the `require` of built-in `name`: its default export is the module object, and each of its exports
 * a named export, read once as the bundle starts, and only if the bundle imports it (the others are dropped at build:
 * each read is marked pure). As a CommonJS module it was wrapped in a copy of the whole module made at start, a getter
 * for each of its exports (node:fs has a hundred). Node's lazy exports (a getter such as net.BlockList) are read then
 * too, so one the start does not need is better imported where it is used; and a change made to a built-in's exports
 * after the bundle started is not seen through these (the module object, the default export, still shows it).
 */
function requiredAsModule(name) {
  const real = require(name);
  // Own names, enumerable or not (fs.F_OK is not).
  const names = Object.getOwnPropertyNames(real).filter((key) => /^[A-Za-z_][\w$]*$/.test(key) && key !== 'default');
  return [
    // Names of this module's own can be export names too (fs has `read`): these two start with a character no export has.
    `const $$real = require(${JSON.stringify(name)});`,
    'const $$read = (key) => $$real[key];',
    'export default $$real;',
    ...names.map((key) => `export const ${key} = /* @__PURE__ */ $$read(${JSON.stringify(key)});`),
  ].join('\n');
}

function lazyFunctions(name) {
  const real = require(name);
  const names = Object.keys(real).filter((key) => /^[a-z]/.test(key) && typeof real[key] === 'function');
  return [
    'let real;',
    `const load = () => (real ??= require(${JSON.stringify(name)}));`,
    ...names.map((key) => `export function ${key}(...args) { return load().${key}(...args); }`),
  ].join('\n');
}

export const builtinsAsRequire = {
  name: 'builtins-as-require',
  setup(build) {
    build.onResolve({ filter: /^node:/ }, (args) =>
      args.kind === 'import-statement' && LAZY_FUNCTIONS.has(args.path) ? { path: args.path, namespace: 'builtin-on-first-call' } : undefined,
    );
    build.onResolve({ filter: /^node:/ }, (args) =>
      args.kind === 'import-statement' ? { path: args.path, namespace: 'builtin-require', sideEffects: false } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'builtin-on-first-call' }, (args) => ({ contents: lazyFunctions(args.path), loader: 'js' }));
    build.onLoad({ filter: /.*/, namespace: 'builtin-require' }, (args) => ({ contents: requiredAsModule(args.path), loader: 'js' }));
    build.onResolve({ filter: LAZY }, (args) =>
      args.kind === 'require-call' && args.namespace !== 'builtin-on-first-use' ? { path: args.path, namespace: 'builtin-on-first-use' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'builtin-on-first-use' }, (args) => {
      const name = args.path.replace(/^node:/, '');
      return { contents: standInSource(`node:${name}`, STAND_INS[name]), loader: 'js' };
    });
  },
};

/**
 * What the stand-in of a built-in is besides a door to the real module. node:assert is called as a function by the
 * dependencies that require it at start (Fastify, find-my-way, sonic-boom check their arguments): a check that holds
 * needs nothing, and one that fails is handed to the real assert, which throws as it would have. node:perf_hooks is
 * required at start for its `performance`, which is the global one: handed over without loading the module.
 */
const STAND_INS = {
  // Without a message of its own, the real assert would quote the line that called it, which is this stand-in's.
  assert: {
    target: '() => {}',
    call: "(self, args) => (args[0] ? undefined : Reflect.apply(load(), self, args.length > 1 ? args : [args[0], 'a check in a dependency failed (node:assert, with no message; the stack shows where)']))",
  },
  perf_hooks: { shortcut: "(key) => (key === 'performance' ? globalThis.performance : null)" },
};
