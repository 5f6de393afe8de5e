// One load run with autocannon: a fixed number of keep-alive connections for a fixed time, every response counted.
import autocannon from 'autocannon';

export interface LoadRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: unknown;
}

export interface LoadResult {
  /** 2xx answers: the work done. */
  readonly ok: number;
  /** Any other status: a figure with one of these is void (the servers did not do the same work). */
  readonly non2xx: number;
  /** Connection errors and timeouts. */
  readonly errors: number;
  readonly seconds: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  /** Status codes seen, with counts, to say what went wrong. */
  readonly statuses: Record<string, number>;
  /** CPU time the server process used during the run (null where it cannot be read). */
  readonly serverCpuMs: number | null;
}

/** The server under load: where it listens, and how much CPU its process has used so far. */
export interface LoadTarget {
  readonly url: string;
  cpuMs(): number | null;
}

export async function load(server: LoadTarget, token: string, request: LoadRequest, options: { connections: number; seconds: number }): Promise<LoadResult> {
  const cpuBefore = server.cpuMs();
  const result = await autocannon({
    url: server.url + request.path,
    method: request.method,
    connections: options.connections,
    duration: options.seconds,
    headers: { authorization: `Bearer ${token}`, ...(request.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
  });
  const cpuAfter = server.cpuMs();
  const statuses: Record<string, number> = {};
  const stats = (result as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {};
  for (const [code, { count }] of Object.entries(stats)) statuses[code] = count;
  return {
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    seconds: result.duration,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    statuses,
    serverCpuMs: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore,
  };
}
