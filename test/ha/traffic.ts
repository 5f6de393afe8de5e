// Steady traffic against one server while the cluster under it fails over: writers creating tasks, readers listing
// them and asking who they are, and a load balancer's view of /readyz. Every answer is recorded with its time, so a
// scenario can say afterwards what was answered when, how long writes were out, and which writes were acknowledged.
import type { Client } from '../support/api.js';
import { sleep } from '../support/postgres/sql.js';

export interface Answer {
  /** When the request was sent and when its answer (or error) came, in ms since the epoch. */
  start: number;
  end: number;
  /** HTTP status, or 0 when no answer came at all (connection refused or reset, timeout). */
  status: number;
  retryAfter: string | null;
  detail: string;
}

export interface Acknowledged {
  id: string;
  writer: number;
  token: string | null;
  at: number;
}

export interface ReadySample {
  at: number;
  status: number;
  body: unknown;
}

// Callers pace themselves so that eight of them leave room for the cluster on a busy two-core machine.
const PACE_MS = 40;
const REQUEST_TIMEOUT_MS = 30_000;

async function send(fn: () => Promise<{ status: number; headers: Headers; body: unknown }>): Promise<{ answer: Answer; body: unknown; headers?: Headers }> {
  const start = Date.now();
  try {
    const res = await fn();
    const answer = {
      start,
      end: Date.now(),
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      detail: res.status >= 300 ? JSON.stringify(res.body).slice(0, 300) : '',
    };
    return { answer, body: res.body, headers: res.headers };
  } catch (error) {
    return { answer: { start, end: Date.now(), status: 0, retryAfter: null, detail: String((error as Error).cause ?? error) }, body: undefined };
  }
}

export class Traffic {
  readonly writes: Answer[] = [];
  readonly reads: Answer[] = [];
  readonly acknowledged: Acknowledged[] = [];
  readonly readiness: ReadySample[] = [];
  #running = true;
  #loops: Promise<void>[] = [];

  constructor(
    private readonly serverUrl: string,
    private readonly projectId: string,
    writers: readonly Client[],
    readers: readonly Client[],
  ) {
    this.#loops = [...writers.map((client, i) => this.#writer(client, i)), ...readers.map((client, i) => this.#reader(client, i)), this.#readyz()];
  }

  async #writer(client: Client, writer: number): Promise<void> {
    for (let n = 0; this.#running; n++) {
      const { answer, body, headers } = await send(() =>
        client.post(`/v1/projects/${this.projectId}/tasks`, { title: `w${writer}-${n}` }, { timeoutMs: REQUEST_TIMEOUT_MS }),
      );
      this.writes.push(answer);
      if (answer.status >= 200 && answer.status < 300) {
        this.acknowledged.push({ id: (body as { id: string }).id, writer, token: headers?.get('x-consistency-token') ?? null, at: answer.end });
      }
      await sleep(PACE_MS);
    }
  }

  async #reader(client: Client, reader: number): Promise<void> {
    for (let n = 0; this.#running; n++) {
      const route = (n + reader) % 2 === 0 ? `/v1/projects/${this.projectId}/tasks?limit=5` : '/v1/me';
      const { answer } = await send(() => client.get(route, { timeoutMs: REQUEST_TIMEOUT_MS }));
      this.reads.push({ ...answer, detail: answer.status === 200 ? '' : `${route}: ${answer.detail}` });
      await sleep(PACE_MS);
    }
  }

  async #readyz(): Promise<void> {
    while (this.#running) {
      const at = Date.now();
      const sample = await fetch(`${this.serverUrl}/readyz`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
        .then(async (res) => ({ at, status: res.status, body: (await res.json()) as unknown }))
        .catch((error: unknown) => ({ at, status: 0, body: String(error) }));
      this.readiness.push(sample);
      await sleep(100);
    }
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
  }

  /** The longest time between two successful answers of `answers` (writes or reads), from `from` on. */
  static longestGap(answers: readonly Answer[], from: number): number {
    const ok = answers
      .filter((a) => a.status >= 200 && a.status < 300 && a.end >= from)
      .map((a) => a.end)
      .sort((a, b) => a - b);
    let gap = 0;
    for (let i = 1; i < ok.length; i++) gap = Math.max(gap, ok[i]! - ok[i - 1]!);
    return gap;
  }
}

/**
 * What /readyz says this instance can serve: the `reads` and `writes` booleans of its body, wherever they sit.
 * The body is the contract a load balancer reads; undefined means the body does not say.
 */
export function servesOf(body: unknown): { reads?: boolean; writes?: boolean } {
  const found: { reads?: boolean; writes?: boolean } = {};
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object') return;
    for (const [key, inner] of Object.entries(value)) {
      if ((key === 'reads' || key === 'writes') && typeof inner === 'boolean' && found[key] === undefined) found[key] = inner;
      else visit(inner);
    }
  };
  visit(body);
  return found;
}
