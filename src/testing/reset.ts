// Reset to empty between tests: every row of every table the core owns, children before parents, in one
// transaction. Faster by far than a new server (no process, no migrations), and the schema stays as it is.
import type { Database } from '../db/database.js';
import type { Tables } from '../db/schema.js';

/** Every core table, in an order that never deletes a row still referred to. A test checks it names them all. */
export const RESET_ORDER = ['comments', 'taskLabels', 'tasks', 'projects', 'tokens', 'members', 'orgs'] as const satisfies ReadonlyArray<keyof Tables>;

export async function emptyDatabase(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    for (const name of RESET_ORDER) await tx.delete(db.tables[name]);
  });
}
