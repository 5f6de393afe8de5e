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

const LAZY = /^(node:)?(https|http2)$/;

// Two more are imported by our own modules for functions the start does not call: node:crypto (hashes, random ids and
// tokens, for requests; about 4 ms to load) and node:fs/promises (the ready file). An import of either gets a module
// of functions that load the real one on their first call. Only functions whose names start in lower case are
// offered: importing anything else from them (a class, a constant) fails the build, rather than getting a stand-in.
const LAZY_FUNCTIONS = new Set(['node:crypto', 'node:fs/promises']);
const require = createRequire(import.meta.url);

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
    build.onResolve({ filter: /^node:/ }, (args) => (args.kind === 'import-statement' ? { path: args.path, namespace: 'builtin-require' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'builtin-on-first-call' }, (args) => ({ contents: lazyFunctions(args.path), loader: 'js' }));
    build.onLoad({ filter: /.*/, namespace: 'builtin-require' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
    build.onResolve({ filter: LAZY }, (args) =>
      args.kind === 'require-call' && args.namespace !== 'builtin-on-first-use' ? { path: args.path, namespace: 'builtin-on-first-use' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'builtin-on-first-use' }, (args) => ({
      contents: [
        'let real;',
        `const load = () => (real ??= require(${JSON.stringify(args.path.startsWith('node:') ? args.path : `node:${args.path}`)}));`,
        'module.exports = new Proxy({}, {',
        '  get: (_, key) => load()[key],',
        '  has: (_, key) => key in load(),',
        '  ownKeys: () => Reflect.ownKeys(load()),',
        '  getOwnPropertyDescriptor: (_, key) => {',
        '    const found = Object.getOwnPropertyDescriptor(load(), key);',
        '    return found && { ...found, configurable: true };',
        '  },',
        '});',
      ].join('\n'),
      loader: 'js',
    }));
  },
};
