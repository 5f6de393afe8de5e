// /readyz as a load balancer reads it, for the fault tests: one answer, or polling until it says what is expected.
import type { RunningServer } from './server-process.js';
import { waitFor } from './wait.js';

export async function readyz(server: RunningServer): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}/readyz`, { signal: AbortSignal.timeout(30_000) });
  return { status: res.status, body: await res.json() };
}

/** Polls /readyz until it answers `status` (or throws after `timeoutMs` with what it said last). */
export async function untilReadyz(server: RunningServer, status: number, timeoutMs = 30_000): Promise<{ status: number; body: any }> {
  let last: { status: number; body: any } | undefined;
  return waitFor(
    `/readyz answering ${status}`,
    async () => {
      last = await readyz(server);
      return last.status === status ? last : undefined;
    },
    timeoutMs,
    100,
    () => `it said ${last ? `${last.status} ${JSON.stringify(last.body)}` : 'nothing'} last`,
  );
}

/** flagship_ready from /metrics, which must agree with /readyz. */
export async function readyMetric(server: RunningServer): Promise<string | undefined> {
  const text = await (await fetch(`${server.url}/metrics`, { signal: AbortSignal.timeout(30_000) })).text();
  return /^flagship_ready\{[^}]*\} (\d)$/m.exec(text)?.[1];
}
