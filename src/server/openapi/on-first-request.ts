// The OpenAPI document, built by @fastify/swagger on the first request for it. The plugin learns the routes from hooks
// (each route as it is declared, each encapsulated instance's shared schemas), so it had to be loaded before the
// routes: loading it, its reference resolver and the yaml module it requires cost every start several milliseconds
// for a document most processes never serve. Here the same hooks only record what they are given; the first request
// loads the plugin and replays them into it, in the order Fastify called them, so the document is the plugin's own,
// built from the same route objects, then kept as the plugin keeps it.
import type { SwaggerOptions } from '@fastify/swagger';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { DependencyContractError } from '../../errors.js';

type Hook = (this: unknown, ...args: unknown[]) => unknown;

/** Records the routes and instances `app` will see; the function it returns builds the document once, on its first call. */
export function openApiOnFirstRequest(app: FastifyInstance, options: () => Promise<SwaggerOptions>): () => Promise<unknown> {
  const routes: RouteOptions[] = [];
  const instances: FastifyInstance[] = [];
  app.addHook('onRoute', (route) => {
    routes.push(route);
  });
  app.addHook('onRegister', (instance) => {
    instances.push(instance);
  });

  async function build(): Promise<unknown> {
    const { fastifySwagger } = await import('@fastify/swagger');
    const hooks = new Map<string, Hook>();
    let swagger: (() => unknown) | undefined;
    // The part of the instance the plugin uses: it adds its hooks, publishes its function and, when ready, reads the
    // root instance's shared schemas.
    const host = {
      addHook: (name: string, hook: Hook) => void hooks.set(name, hook),
      decorate: (_name: string, fn: () => unknown) => void (swagger = fn),
      getSchemas: () => app.getSchemas(),
    };
    const call = (name: string, ...args: unknown[]) => {
      const hook = hooks.get(name);
      if (!hook)
        throw new DependencyContractError(
          `@fastify/swagger no longer adds an ${name} hook: update src/server/openapi/on-first-request.ts to how it collects routes`,
        );
      return hook.call(host, ...args);
    };
    const settings = await options();
    await new Promise<void>((resolve, reject) =>
      fastifySwagger(host as unknown as FastifyInstance, settings, (err?: Error) => (err ? reject(err) : resolve())),
    );
    for (const route of routes) call('onRoute', route);
    for (const instance of instances) await call('onRegister', instance);
    await new Promise<void>((resolve) => call('onReady', resolve));
    if (!swagger) throw new DependencyContractError('@fastify/swagger published no document function: update src/server/openapi/on-first-request.ts');
    return swagger();
  }

  let document: Promise<unknown> | undefined;
  return () =>
    (document ??= build().catch((err: unknown) => {
      document = undefined;
      throw err;
    }));
}
