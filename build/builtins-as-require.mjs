// An esbuild plugin: the bundle reaches Node's built-in modules through `require` (the banner's), never through an
// ESM `import`. An ESM import of a built-in makes Node build the module's ESM facade, which reads every export once;
// for node:http that includes the lazy getters (WebSocket, fetch's classes) that load undici, some 25 ms of start-up
// for nothing the server uses. `require` hands back the module object and reads nothing.
export const builtinsAsRequire = {
  name: 'builtins-as-require',
  setup(build) {
    build.onResolve({ filter: /^node:/ }, (args) => (args.kind === 'import-statement' ? { path: args.path, namespace: 'builtin-require' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'builtin-require' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};
