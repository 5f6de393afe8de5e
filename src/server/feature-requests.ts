// The per-request seam: each feature that follows requests (Feature.openRequest) gets a handle per request, opened
// once the body is parsed, so the rest of the request (authorization, handler, reply) runs inside the feature's scope.
// Body parsing resumes from the socket's own async context, so a scope opened any earlier would be lost for requests
// with a body. The handles learn who the caller is (authenticated when the request arrived); they may add response
// headers.
import type { FastifyInstance } from 'fastify';
import type { Feature, RequestHandle } from '../features/feature.js';

declare module 'fastify' {
  interface FastifyRequest {
    featureHandles: RequestHandle[] | undefined;
  }
}

export function openFeatureRequests(app: FastifyInstance, features: readonly Feature[]): void {
  const openers = features.filter((f) => f.openRequest);
  if (openers.length === 0) return;
  app.decorateRequest('featureHandles', undefined);
  app.addHook('preValidation', (request, _reply, done) => {
    const handles = openers.map((f) => f.openRequest!({ headers: request.headers }));
    request.featureHandles = handles;
    // The guards authenticate before the body is read (auth.ts), so the caller, if any, is known already.
    if (request.principal) for (const handle of handles) handle.identify?.(request.principal);
    // Nested, so every feature's scope encloses what follows.
    const enter = (i: number): void => (i === handles.length ? done() : handles[i]!.run(() => enter(i + 1)));
    enter(0);
  });
  app.addHook('onSend', async (request, reply, payload) => {
    for (const handle of request.featureHandles ?? []) {
      for (const [name, value] of Object.entries(handle.responseHeaders?.() ?? {})) reply.header(name, value);
    }
    return payload;
  });
}
