// Mixed load on the prod bundle with read replicas configured (DATABASE_REPLICAS, built from the harness's replicas):
// signups, task creation, listings with filters and cursors, reads, edits with If-Match, comments and /v1/me, from
// concurrent clients for SOAK_DURATION_S. Memory and pool counts are sampled after a warm-up and at the end.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { expect, inject, it } from 'vitest';
import { createDatabase, replicaUrl, startPostgres } from '../../test/support/postgres/index.js';

const DURATION_S = Number(process.env.SOAK_DURATION_S ?? 300);
const CLIENTS = 16;
const POOL_MAX = 10;

interface Sample {
  rssMb: number;
  pool: Record<string, number>;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  return Math.round(kb / 102.4) / 10;
}

async function sample(base: string, pid: number): Promise<Sample> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const pool: Record<string, number> = {};
  for (const m of text.matchAll(/^flagship_db_pool_connections\{[^}]*state="(\w+)"[^}]*\} (\d+)$/gm)) pool[m[1]!] = Number(m[2]);
  return { rssMb: rssMb(pid), pool };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

it(`serves a mixed load for ${DURATION_S} s with zero errors, flat memory and flat pools`, async () => {
  const cluster = await startPostgres({ replicas: 2 });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let server: ReturnType<typeof spawn> | undefined;
  const stderr: string[] = [];
  try {
    const url = await createDatabase(cluster.info, 'soak');
    const replicas = cluster.info.replicas.map((r, i) => `region${i + 1}=${replicaUrl(url, r)}`).join(',');
    server = spawn(process.execPath, [inject('bundles').prod!], {
      env: {
        PATH: process.env.PATH ?? '',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        DATABASE_URL: url,
        DATABASE_REPLICAS: replicas,
        DB_POOL_MAX: String(POOL_MAX),
        SIGNUP_RATE_LIMIT: '0',
        AUTH_FAILURE_RATE_LIMIT: '0',
      },
      // The IPC channel is the server's leash: it stops when this process ends, however it ends.
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    server.stderr!.on('data', (c: Buffer) => stderr.push(c.toString()));
    for (const deadline = Date.now() + 60_000; ;) {
      const ok = await fetch(`${base}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`the prod bundle was not ready within 60 s: ${stderr.join('')}`);
      await new Promise((r) => setTimeout(r, 200));
    }

    const latencies: number[] = [];
    const errors: string[] = [];
    let served = 0;
    const call = async (
      method: string,
      route: string,
      token: string | undefined,
      body?: unknown,
      headers: Record<string, string> = {},
    ): Promise<{ status: number; body: any; etag: string | null }> => {
      const started = performance.now();
      try {
        const res = await fetch(base + route, {
          method,
          headers: {
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...headers,
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(30_000),
        });
        const text = await res.text();
        latencies.push(performance.now() - started);
        served++;
        if (res.status >= 400) errors.push(`${method} ${route} -> ${res.status} ${text.slice(0, 200)}`);
        return { status: res.status, body: text ? JSON.parse(text) : undefined, etag: res.headers.get('etag') };
      } catch (err) {
        errors.push(`${method} ${route} -> ${String(err)}`);
        return { status: 0, body: undefined, etag: null };
      }
    };

    const deadline = Date.now() + DURATION_S * 1000;
    const warmUntil = Date.now() + Math.max(5000, DURATION_S * 100);
    let start: Sample | undefined;
    const sampler = (async () => {
      while (Date.now() < warmUntil) await new Promise((r) => setTimeout(r, 200));
      start = await sample(base, server!.pid!);
    })();

    let orgs = 0;
    const client = async (n: number): Promise<void> => {
      while (Date.now() < deadline) {
        // Each round: a new organization, then a burst of the work a team does in it.
        const slug = `soak-${n}-${++orgs}`;
        const signup = await call('POST', '/v1/signup', undefined, {
          org: { name: `Soak ${slug}`, slug },
          user: { email: `owner@${slug}.example`, name: 'Owner' },
        });
        const token = signup.body?.token as string | undefined;
        if (!token) continue;
        const project = (await call('POST', '/v1/projects', token, { name: 'Soak', key: 'SOAK' })).body?.id as string | undefined;
        if (!project) continue;
        const tasks: string[] = [];
        for (let i = 0; i < 60 && Date.now() < deadline; i++) {
          const roll = Math.random();
          if (roll < 0.35 || tasks.length === 0) {
            const t = await call('POST', `/v1/projects/${project}/tasks`, token, {
              title: `task ${i} of ${slug}`,
              labels: i % 2 ? ['bug'] : ['feature', 'ui'],
              status: 'todo',
            });
            if (t.body?.id) tasks.push(t.body.id);
          } else if (roll < 0.55) {
            const first = await call('GET', `/v1/projects/${project}/tasks?limit=10&sort=-createdAt&label=bug`, token);
            if (first.body?.nextCursor)
              await call('GET', `/v1/projects/${project}/tasks?limit=10&sort=-createdAt&label=bug&cursor=${first.body.nextCursor}`, token);
          } else if (roll < 0.7) {
            await call('GET', `/v1/tasks/${tasks[i % tasks.length]}`, token);
          } else if (roll < 0.82) {
            const id = tasks[i % tasks.length]!;
            const current = await call('GET', `/v1/tasks/${id}`, token);
            await call('PATCH', `/v1/tasks/${id}`, token, { status: 'in_progress', priority: 'high' }, current.etag ? { 'if-match': current.etag } : {});
          } else if (roll < 0.92) {
            await call('POST', `/v1/tasks/${tasks[i % tasks.length]}/comments`, token, { body: `comment ${i}` });
          } else {
            await call('GET', '/v1/me', token);
          }
        }
      }
    };
    const began = Date.now();
    await Promise.all(Array.from({ length: CLIENTS }, (_, n) => client(n)));
    const seconds = (Date.now() - began) / 1000;
    await sampler;
    // Let in-flight work settle before the end sample: idle connections, nobody waiting.
    await new Promise((r) => setTimeout(r, 1000));
    const end = await sample(base, server.pid!);
    const sorted = [...latencies].sort((a, b) => a - b);
    const summary = {
      durationS: Math.round(seconds),
      clients: CLIENTS,
      served,
      perSecond: Math.round(served / seconds),
      errors: errors.length,
      latencyMs: { p50: +percentile(sorted, 50).toFixed(1), p99: +percentile(sorted, 99).toFixed(1), max: +(sorted.at(-1) ?? 0).toFixed(1) },
      rssMb: { start: start!.rssMb, end: end.rssMb },
      pool: { start: start!.pool, end: end.pool },
    };
    process.stdout.write(`\nsoak summary\n${JSON.stringify(summary, null, 2)}\n${errors.slice(0, 10).join('\n')}\n`);
    expect(errors.slice(0, 10)).toEqual([]);
    expect(server.exitCode).toBeNull();
    // Flat: the pool never grows past its bound and ends with nobody waiting; memory after the warm-up grows by less
    // than half (a leak over minutes of load grows without bound; the heap's own breathing stays well inside this).
    expect(end.pool.total).toBeLessThanOrEqual(POOL_MAX);
    expect(end.pool.waiting).toBe(0);
    expect(end.rssMb).toBeLessThan(start!.rssMb * 1.5);
  } finally {
    server?.kill('SIGTERM');
    if (server && server.exitCode === null) await new Promise((r) => server!.once('exit', r));
    await cluster.close();
  }
});
