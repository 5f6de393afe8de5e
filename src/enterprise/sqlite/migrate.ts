// The enterprise module's sqlite migrations, embedded in the bundle as text and tagged `enterprise:<tag>` so they are
// recorded beside the core's without colliding.
import { loadMigrations, type Migration, type SqlFile } from '../../db/migrator.js';
import journal from './migrations/meta/_journal.json' with { type: 'json' };

export async function migrations(): Promise<Migration[]> {
  const loaded = await loadMigrations(journal, (tag) => import(`./migrations/${tag}.sql`) as Promise<SqlFile>);
  return loaded.map((m) => ({ ...m, tag: `enterprise:${m.tag}` }));
}
