// What the hand-written baseline server asks of its database: the same work per request as flagship's routes (the
// token by its hash with its member, the caller's organization in every query, one task / a page / a numbered
// insert), nothing else. One implementation per driver, each as a user would write it on the bare driver.

export interface Caller {
  orgId: string;
  memberId: string;
}

/** Why a token is refused; the server answers 401 for each. */
export type Refusal = 'unknown' | 'removed' | 'revoked' | 'expired';

export interface TaskJson {
  id: string;
  projectId: string;
  number: number;
  title: string;
  description: string | null;
  status: string;
  priority: string;
  assigneeId: string | null;
  labels: string[];
  dueAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface ListFilter {
  limit: number;
  label: string | undefined;
  /** Case-insensitive substring of the title. */
  q: string | undefined;
}

export interface NewTask {
  title: string;
  labels: string[];
}

export interface BaselineStore {
  caller(tokenHash: string): Promise<Caller | Refusal>;
  task(caller: Caller, id: string): Promise<TaskJson | undefined>;
  /** The first `limit + 1` tasks by number; undefined when the project is not the caller's. */
  list(caller: Caller, projectId: string, filter: ListFilter): Promise<TaskJson[] | undefined>;
  /** Undefined when the project is not the caller's, 'archived' when it takes no tasks. */
  create(caller: Caller, projectId: string, input: NewTask): Promise<TaskJson | 'archived' | undefined>;
  close(): Promise<void>;
}

/** A token row joined with its member, as both drivers return it. */
export interface TokenRow {
  org_id: string;
  member_id: string;
  member_org: string;
  active: boolean | number;
  revoked_at: unknown;
  expires_at: number | Date | null;
}

export function judgeToken(row: TokenRow | undefined, now: number): Caller | Refusal {
  if (!row || row.member_org !== row.org_id) return 'unknown';
  if (!row.active) return 'removed';
  if (row.revoked_at !== null) return 'revoked';
  if (row.expires_at !== null && new Date(row.expires_at).getTime() <= now) return 'expired';
  return { orgId: row.org_id, memberId: row.member_id };
}

/** LIKE's wildcards in the search text match themselves. */
export function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** A task row as a driver returns it: `L` is how it returns the labels, `I` an instant. */
export interface TaskRow<L, I> {
  id: string;
  project_id: string;
  number: number;
  title: string;
  description: string | null;
  status: string;
  priority: string;
  assignee_id: string | null;
  labels: L;
  due_at: I | null;
  version: number;
  created_at: I;
  updated_at: I;
}

/** The API's shape of a task row, given how to read this driver's labels and instants. */
export function taskJson<L, I>(row: TaskRow<L, I>, labels: (l: L) => string[], instant: (at: I) => string): TaskJson {
  return {
    id: row.id,
    projectId: row.project_id,
    number: row.number,
    title: row.title,
    description: row.description,
    status: row.status,
    priority: row.priority,
    assigneeId: row.assignee_id,
    labels: labels(row.labels),
    dueAt: row.due_at === null ? null : instant(row.due_at),
    version: row.version,
    createdAt: instant(row.created_at),
    updatedAt: instant(row.updated_at),
  };
}

export const TASK_COLUMNS = 'id, project_id, number, title, description, status, priority, assignee_id, labels, due_at, version, created_at, updated_at';
