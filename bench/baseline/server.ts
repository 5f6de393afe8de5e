// The baseline of the HTTP benchmark: what a user would write instead of flagship, a small Fastify server on the
// bare driver doing the same work per request (bearer token by its SHA-256, the caller's organization, one task /
// a page / a numbered insert) and nothing else: no logging, metrics, schemas or audit seam.
//
// Usage: DATABASE_URL=sqlite:FILE|postgres://... PORT=N tsx bench/baseline/server.ts
// It serves a database that flagship migrated and seeded; it creates no tables of its own.
import { createHash } from 'node:crypto';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { BaselineStore, Caller } from './store.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function openStore(url: string): Promise<BaselineStore> {
  if (/^postgres(ql)?:\/\//.test(url)) return (await import('./postgres-store.js')).openPostgresStore(url);
  if (url.startsWith('sqlite:')) return (await import('./sqlite-store.js')).openSqliteStore(url.slice('sqlite:'.length));
  throw new Error(`DATABASE_URL must be sqlite:FILE or postgres://..., not ${JSON.stringify(url)}`);
}

function fail(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.status(status).send({ error: { code, message } });
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('set DATABASE_URL to the database flagship migrated (sqlite:FILE or postgres://...)');
  const store = await openStore(url);
  const app = Fastify();

  async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<Caller | undefined> {
    const header = request.headers.authorization;
    const secret = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (!secret) {
      await fail(reply, 401, 'unauthenticated', 'send Authorization: Bearer <token>');
      return undefined;
    }
    const caller = await store.caller(createHash('sha256').update(secret).digest('hex'));
    if (typeof caller === 'string') {
      await fail(reply, 401, 'unauthenticated', `the token is ${caller}`);
      return undefined;
    }
    return caller;
  }

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get<{ Params: { id: string } }>('/v1/tasks/:id', async (request, reply) => {
    const caller = await authenticate(request, reply);
    if (!caller) return reply;
    if (!UUID.test(request.params.id)) return fail(reply, 400, 'validation_failed', 'the id must be a UUID');
    const task = await store.task(caller, request.params.id);
    if (!task) return fail(reply, 404, 'not_found', 'no such task');
    return reply.header('etag', `"${task.version}"`).send(task);
  });

  app.get<{ Params: { id: string }; Querystring: { limit?: string; label?: string; q?: string } }>('/v1/projects/:id/tasks', async (request, reply) => {
    const caller = await authenticate(request, reply);
    if (!caller) return reply;
    const limit = request.query.limit === undefined ? 20 : Number(request.query.limit);
    if (!UUID.test(request.params.id) || !Number.isInteger(limit) || limit < 1 || limit > 100) {
      return fail(reply, 400, 'validation_failed', 'the id must be a UUID and limit 1 to 100');
    }
    const rows = await store.list(caller, request.params.id, { limit, label: request.query.label, q: request.query.q });
    if (!rows) return fail(reply, 404, 'not_found', 'no such project');
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    const nextCursor = rows.length > limit && last ? Buffer.from(JSON.stringify({ s: 'number', v: last.number, id: last.id })).toString('base64url') : null;
    return { items, nextCursor };
  });

  app.post<{ Params: { id: string }; Body: { title?: unknown; labels?: unknown } }>('/v1/projects/:id/tasks', async (request, reply) => {
    const caller = await authenticate(request, reply);
    if (!caller) return reply;
    const { title, labels = [] } = request.body ?? {};
    if (
      !UUID.test(request.params.id) ||
      typeof title !== 'string' ||
      title.length === 0 ||
      !Array.isArray(labels) ||
      !labels.every((l) => typeof l === 'string')
    ) {
      return fail(reply, 400, 'validation_failed', 'send {"title": string, "labels"?: string[]}');
    }
    const task = await store.create(caller, request.params.id, { title, labels: [...new Set(labels as string[])] });
    if (task === undefined) return fail(reply, 404, 'not_found', 'no such project');
    if (task === 'archived') return fail(reply, 409, 'conflict', 'the project is archived');
    return reply.status(201).header('etag', `"${task.version}"`).send(task);
  });

  const stop = async () => {
    await app.close();
    await store.close();
    process.exit(0);
  };
  // A signal handler cannot be awaited; stop() ends the process itself.
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  // Started with an IPC channel (bench/http/process.ts), it stops when the process that started it goes away.
  if (process.channel) {
    process.channel.unref();
    process.once('disconnect', () => void stop());
  }
  const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
  process.stdout.write(`baseline listening on ${address}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`baseline: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
