// The baseline on better-sqlite3: one connection in WAL mode with synchronous=NORMAL (flagship's settings),
// statements prepared once at start, a synchronous transaction for the create.
import { randomUUID } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import { TASK_COLUMNS, containsPattern, judgeToken, taskJson, type TaskRow as StoredTask, type BaselineStore, type TaskJson, type TokenRow } from './store.js';

type TaskRow = StoredTask<string, number>;

const json = (row: TaskRow): TaskJson =>
  taskJson(
    row,
    (l) => JSON.parse(l) as string[],
    (ms) => new Date(ms).toISOString(),
  );

export function openSqliteStore(file: string): BaselineStore {
  const db = new BetterSqlite3(file, { timeout: 5000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');

  // cast(? as text), as flagship writes it: a bare parameter in this join is read by the planner (STAT4), so every
  // bind would compile the statement again (about 13 µs against 4), work a careful hand-written server does not do.
  const token = db.prepare<[string], TokenRow>(
    'SELECT t.org_id, t.member_id, t.revoked_at, t.expires_at, m.org_id AS member_org, m.active FROM tokens t JOIN members m ON m.id = t.member_id WHERE t.hash = cast(? as text)',
  );
  const task = db.prepare<[string, string], TaskRow>(`SELECT ${TASK_COLUMNS} FROM tasks WHERE id = ? AND org_id = ?`);
  const project = db.prepare<[string, string], { id: string }>('SELECT id FROM projects WHERE id = ? AND org_id = ?');
  const page = db.prepare<[string, string, number], TaskRow>(`SELECT ${TASK_COLUMNS} FROM tasks WHERE org_id = ? AND project_id = ? ORDER BY number LIMIT ?`);
  const filtered = db.prepare<[{ org: string; project: string; label: string | null; pattern: string | null; limit: number }], TaskRow>(
    `SELECT ${TASK_COLUMNS} FROM tasks WHERE org_id = @org AND project_id = @project
       AND (@label IS NULL OR EXISTS (SELECT 1 FROM task_labels tl WHERE tl.task_id = tasks.id AND tl.label = @label))
       AND (@pattern IS NULL OR title_search LIKE @pattern ESCAPE '\\') ORDER BY number LIMIT @limit`,
  );
  const bump = db.prepare<[string, string], { task_seq: number; archived: number }>(
    'UPDATE projects SET task_seq = task_seq + 1 WHERE id = ? AND org_id = ? RETURNING task_seq, archived',
  );
  const insert = db.prepare<unknown[], TaskRow>(
    `INSERT INTO tasks (id, org_id, project_id, number, title, title_search, status, priority, labels, version, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, 'todo', 'normal', ?, 1, ?, ?) RETURNING ${TASK_COLUMNS}`,
  );
  const label = db.prepare('INSERT INTO task_labels (task_id, project_id, label, created_at) VALUES (?, ?, ?, ?)');
  const create = db.transaction((orgId: string, projectId: string, title: string, labels: string[]) => {
    const seq = bump.get(projectId, orgId);
    if (!seq) return undefined;
    if (seq.archived) return 'archived' as const;
    const now = Date.now();
    const row = insert.get(randomUUID(), orgId, projectId, seq.task_seq, title, title.toLowerCase(), JSON.stringify(labels), now, now)!;
    for (const l of labels) label.run(row.id, projectId, l, now);
    return json(row);
  });

  return {
    async caller(hash) {
      return judgeToken(token.get(hash), Date.now());
    },
    async task(caller, id) {
      const row = task.get(id, caller.orgId);
      return row && json(row);
    },
    async list(caller, projectId, filter) {
      const rows =
        filter.label !== undefined || filter.q !== undefined
          ? filtered.all({
              org: caller.orgId,
              project: projectId,
              label: filter.label ?? null,
              pattern: filter.q === undefined ? null : containsPattern(filter.q),
              limit: filter.limit + 1,
            })
          : page.all(caller.orgId, projectId, filter.limit + 1);
      if (rows.length === 0 && !project.get(projectId, caller.orgId)) return undefined;
      return rows.map(json);
    },
    async create(caller, projectId, input) {
      return create(caller.orgId, projectId, input.title, input.labels);
    },
    async close() {
      db.close();
    },
  };
}
