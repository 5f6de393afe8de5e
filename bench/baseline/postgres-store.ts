// The baseline on pg: a pool of 10 (flagship's default DB_POOL_MAX), parameterised unnamed statements (what works
// behind PgBouncer in transaction mode, as flagship must), pg's own type parsers, BEGIN/COMMIT on one client for
// the create.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { TASK_COLUMNS, containsPattern, judgeToken, taskJson, type TaskRow as StoredTask, type BaselineStore, type TaskJson, type TokenRow } from './store.js';

type TaskRow = StoredTask<string[], Date>;

const json = (row: TaskRow): TaskJson =>
  taskJson(
    row,
    (l) => l,
    (at) => at.toISOString(),
  );

const TOKEN =
  'SELECT t.org_id, t.member_id, t.revoked_at, t.expires_at, m.org_id AS member_org, m.active FROM tokens t JOIN members m ON m.id = t.member_id WHERE t.hash = $1';
const TASK = `SELECT ${TASK_COLUMNS} FROM tasks WHERE id = $1 AND org_id = $2`;
const PROJECT = 'SELECT id FROM projects WHERE id = $1 AND org_id = $2';
const PAGE = `SELECT ${TASK_COLUMNS} FROM tasks WHERE org_id = $1 AND project_id = $2
  AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM task_labels tl WHERE tl.task_id = tasks.id AND tl.label = $3))
  AND ($4::text IS NULL OR title_search LIKE $4 ESCAPE '\\') ORDER BY number LIMIT $5`;
const BUMP = 'UPDATE projects SET task_seq = task_seq + 1 WHERE id = $1 AND org_id = $2 RETURNING task_seq, archived';
const INSERT = `INSERT INTO tasks (id, org_id, project_id, number, title, title_search, status, priority, labels, version, created_at, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, 'todo', 'normal', $7, 1, $8, $8) RETURNING ${TASK_COLUMNS}`;
const LABELS = 'INSERT INTO task_labels (task_id, project_id, label, created_at) SELECT $1, $2, l, $3 FROM unnest($4::text[]) AS l';

export function openPostgresStore(url: string): BaselineStore {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  return {
    async caller(hash) {
      const { rows } = await pool.query<TokenRow>(TOKEN, [hash]);
      return judgeToken(rows[0], Date.now());
    },
    async task(caller, id) {
      const { rows } = await pool.query<TaskRow>(TASK, [id, caller.orgId]);
      return rows[0] && json(rows[0]);
    },
    async list(caller, projectId, filter) {
      const pattern = filter.q === undefined ? null : containsPattern(filter.q);
      const { rows } = await pool.query<TaskRow>(PAGE, [caller.orgId, projectId, filter.label ?? null, pattern, filter.limit + 1]);
      if (rows.length === 0 && (await pool.query(PROJECT, [projectId, caller.orgId])).rows.length === 0) return undefined;
      return rows.map(json);
    },
    async create(caller, projectId, input) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const seq = (await client.query<{ task_seq: number; archived: boolean }>(BUMP, [projectId, caller.orgId])).rows[0];
        if (!seq || seq.archived) {
          await client.query('ROLLBACK');
          return seq ? 'archived' : undefined;
        }
        const now = new Date();
        const { rows } = await client.query<TaskRow>(INSERT, [
          randomUUID(),
          caller.orgId,
          projectId,
          seq.task_seq,
          input.title,
          input.title.toLowerCase(),
          JSON.stringify(input.labels),
          now,
        ]);
        const row = rows[0]!;
        if (input.labels.length > 0) await client.query(LABELS, [row.id, projectId, now, input.labels]);
        await client.query('COMMIT');
        return json(row);
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
