// Response serializers (fast-json-stringify, Fastify's own choice) compiled when a route first answers with that
// status, not when the route is declared: compiling every response schema of every route was a large part of the
// time a server took to start, and most processes (a test server, a short-lived instance) answer few of them.
// fast-json-stringify itself (with its own ajv for `if`/`anyOf` branches) is loaded then too, through a plain
// `require`: the bundler puts the module in the bundle and runs it on that first call, where a static import would run
// it at every start and an `import()` would be asynchronous, which serializing is not.
import type { SerializerSelector } from '@fastify/fast-json-stringify-compiler';

type Factory = ReturnType<typeof SerializerSelector>;

/** Fastify's `schemaController.compilersFactory.buildSerializer`: the default one, each serializer built on first use. */
export function serializersOnFirstUse(): Factory {
  let build: Factory | undefined;
  const load = (): Factory =>
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, inside the bundle (above)
    (build ??= (require('@fastify/fast-json-stringify-compiler') as { SerializerSelector: typeof SerializerSelector }).SerializerSelector());
  return (externalSchemas, options) => {
    let compile: ReturnType<Factory> | undefined;
    return (route) => {
      let serialize: ((doc: unknown) => string) | undefined;
      return (doc) => (serialize ??= (compile ??= load()(externalSchemas, options))(route))(doc);
    };
  };
}
