// Response serializers (fast-json-stringify, Fastify's own choice) compiled when a route first answers with that
// status, not when the route is declared: compiling every response schema of every route was a large part of the
// time a server took to start, and most processes (a test server, a short-lived instance) answer few of them.
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';

type Factory = ReturnType<typeof SerializerSelector>;

/** Fastify's `schemaController.compilersFactory.buildSerializer`: the default one, each serializer built on first use. */
export function serializersOnFirstUse(): Factory {
  const build = SerializerSelector();
  return (externalSchemas, options) => {
    const compile = build(externalSchemas, options);
    return (route) => {
      let serialize: ((doc: unknown) => string) | undefined;
      return (doc) => (serialize ??= compile(route))(doc);
    };
  };
}
