// A pool with a bounded wait queue: when every connection is busy and `maxWaiting` callers already wait, the next
// one is refused at once with a 503 instead of joining a queue that would only end in a timeout. It wraps the pg pool
// where connections are sought (connect for transactions, query for reads outside one), so the adapter's transaction
// machine and its reader need no change.
import { DatabaseUnavailableError } from '../db/errors.js';
import { gatedPool, type PgPool } from '../db/postgres/pool.js';

export function boundedPool(pool: PgPool, max: number, maxWaiting: number): PgPool {
  const admit = (): void => {
    if (pool.totalCount >= max && pool.idleCount === 0 && pool.waitingCount >= maxWaiting) {
      throw new DatabaseUnavailableError(
        `all ${max} database connections are busy and ${pool.waitingCount} callers already wait for one; retry shortly, or raise DB_POOL_MAX or DB_POOL_QUEUE_MAX`,
        undefined,
        // The pool's size and queue are the installation's load, every organization's: the operator's.
        'the server is too busy to take this request now; retry shortly',
      );
    }
  };
  return gatedPool(pool, admit);
}
