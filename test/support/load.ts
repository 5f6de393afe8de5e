// Write load for fault tests: workers creating tasks in one project until told to stop, every answer recorded; then
// the checks every fault must pass: only the expected statuses, Retry-After on each 503, and every acknowledged task
// there afterwards, numbered 1..n without a gap and whole.
import { expect } from 'vitest';
import type { Client } from './api.js';
import { waitFor } from './wait.js';

export interface WriteOutcome {
  readonly worker: number;
  readonly status: number;
  readonly retryAfter: string | null;
  readonly id?: string;
  readonly title: string;
  /** The request failed without an answer (connection refused or reset, or the generous timeout). */
  readonly error?: string;
  /** When the answer arrived (Date.now()). */
  readonly at: number;
}

export interface WriteLoad {
  readonly outcomes: WriteOutcome[];
  /** Stops the workers and resolves once each has its last answer. */
  stop(): Promise<WriteOutcome[]>;
  /** Resolves once `n` more 201s arrived (or rejects after `timeoutMs`). */
  created(n: number, timeoutMs?: number): Promise<void>;
}

const LABELS = ['a', 'b', 'c'];

/** Starts `workers` loops of task creation; each request may take up to `requestTimeoutMs` before it counts as hung. */
export function startWriteLoad(client: Client, project: string, options: { workers: number; requestTimeoutMs?: number; pauseMs?: number }): WriteLoad {
  const outcomes: WriteOutcome[] = [];
  let stopping = false;
  const loops = Array.from({ length: options.workers }, async (_, worker) => {
    for (let i = 0; !stopping; i++) {
      const title = `w${worker}-${i}`;
      try {
        const res = await client.post(`/v1/projects/${project}/tasks`, { title, labels: LABELS }, { timeoutMs: options.requestTimeoutMs ?? 30_000 });
        outcomes.push({
          worker,
          status: res.status,
          retryAfter: res.headers.get('retry-after'),
          title,
          at: Date.now(),
          ...(res.status === 201 ? { id: res.body.id as string } : {}),
        });
        // A client backs off after a 503 as Retry-After asks; a short pause keeps the log small.
        if (res.status !== 201) await new Promise((r) => setTimeout(r, 100));
      } catch (error) {
        outcomes.push({ worker, status: 0, retryAfter: null, title, at: Date.now(), error: String((error as Error).cause ?? error) });
        await new Promise((r) => setTimeout(r, 100));
      }
      if (options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs));
    }
  });
  return {
    outcomes,
    async stop() {
      stopping = true;
      await Promise.all(loops);
      return outcomes;
    },
    async created(n, timeoutMs = 30_000) {
      const target = outcomes.filter((o) => o.status === 201).length + n;
      await waitFor(
        `${n} more tasks created`,
        () => outcomes.filter((o) => o.status === 201).length >= target,
        timeoutMs,
        50,
        () => `last answers: ${JSON.stringify(outcomes.slice(-5))}`,
      );
    },
  };
}

export interface StoredTask {
  id: string;
  number: number;
  title: string;
  labels: string[];
}

/** Every task of the project, by number, through the API. */
export async function allTasks(client: Client, project: string): Promise<StoredTask[]> {
  const tasks: StoredTask[] = [];
  let cursor: string | null = null;
  do {
    const page = await client.get(`/v1/projects/${project}/tasks?sort=number&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    if (page.status !== 200) throw new Error(`listing tasks failed: ${page.status} ${JSON.stringify(page.body)}`);
    tasks.push(...(page.body.items as StoredTask[]));
    cursor = page.body.nextCursor as string | null;
  } while (cursor);
  return tasks;
}

/**
 * The checks after a fault: every answer is one of `allowed` (a 201, a 503 with Retry-After...), none was lost in
 * transit, and every acknowledged task is stored whole, the numbers running 1..n without a gap.
 */
export function expectNothingLost(outcomes: WriteOutcome[], stored: StoredTask[], options: { allowed?: number[]; unanswered?: boolean } = {}): void {
  const allowed = options.allowed ?? [201, 503];
  // Only a killed server may leave requests unanswered.
  if (!options.unanswered)
    expect(
      outcomes.filter((o) => o.status === 0),
      'requests without an answer',
    ).toEqual([]);
  expect(
    outcomes.filter((o) => o.status !== 0 && !allowed.includes(o.status)).map((o) => o.status),
    'unexpected statuses',
  ).toEqual([]);
  expect(
    outcomes.filter((o) => o.status === 503 && !o.retryAfter),
    '503s without Retry-After',
  ).toEqual([]);
  const ids = new Set(stored.map((t) => t.id));
  const lost = outcomes.filter((o) => o.status === 201 && !ids.has(o.id!));
  expect(lost, 'acknowledged tasks missing after the fault').toEqual([]);
  expect(stored.map((t) => t.number)).toEqual(stored.map((_, i) => i + 1));
  // Whole: each row has the title and labels its request sent (titles are w<worker>-<i>).
  expect(
    stored.filter((t) => !/^w\d+-\d+$/.test(t.title) || t.labels.join() !== LABELS.join()),
    'half-written tasks',
  ).toEqual([]);
}
