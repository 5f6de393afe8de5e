// The one way tests wait: poll a condition until it holds or a deadline passes, never a fixed sleep. A check that
// throws has not held yet (a node still down, a socket refused); its last error goes into the failure message.
import { setTimeout as sleep } from 'node:timers/promises';

export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
}

/**
 * Polls `check` every `everyMs` until it returns something other than `undefined` or `false`, and returns that. After
 * `timeoutMs` it throws a WaitTimeoutError naming `what`, with the check's last error and, when given, what `explain`
 * says about the state it waited on (a server's last log lines).
 */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
  everyMs = 50,
  explain?: () => string | Promise<string>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = ` (last error: ${(error as Error)?.message ?? String(error)})`;
    }
    if (Date.now() > deadline) {
      const more = explain ? `\n${await explain()}` : '';
      throw new WaitTimeoutError(`${what}: not within ${timeoutMs} ms${last}; if the machine is very loaded, the deadline may need raising${more}`);
    }
    await sleep(everyMs);
  }
}
