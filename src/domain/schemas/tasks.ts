// Tasks as the API shows them, what creating or changing one takes, and the filters of a project's task listing.
import { Type, type Static } from '@sinclair/typebox';
import { Id, Instant, LIMITS, NullableInstant, NullableString, SAFE_TEXT, StringEnum, Text } from './common.js';
import { pageFields } from './page.js';

export const TASK_STATUSES = ['todo', 'in_progress', 'done', 'canceled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const TASK_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];
/** The orders of a project's task listing; a leading - sorts descending. */
export const TASK_SORTS = ['number', '-number', 'createdAt', '-createdAt', 'updatedAt', '-updatedAt'] as const;
export type TaskSort = (typeof TASK_SORTS)[number];

export const TaskView = Type.Object(
  {
    id: Id,
    projectId: Id,
    number: Type.Integer(),
    title: Type.String(),
    description: NullableString(),
    status: Type.String(),
    priority: Type.String(),
    assigneeId: NullableString(),
    labels: Type.Array(Type.String()),
    dueAt: NullableInstant,
    version: Type.Integer(),
    createdAt: Instant,
    updatedAt: Instant,
  },
  { title: 'Task' },
);
export type TaskView = Static<typeof TaskView>;

const Status = StringEnum(TASK_STATUSES);
const Label = Text(LIMITS.label);

const fields = {
  title: Text(LIMITS.title),
  description: Type.Optional(NullableString({ maxLength: LIMITS.description, pattern: SAFE_TEXT })),
  status: Type.Optional(Status),
  priority: Type.Optional(StringEnum(TASK_PRIORITIES)),
  assigneeId: Type.Optional(NullableString({ format: 'uuid' })),
  labels: Type.Optional(Type.Array(Label, { maxItems: LIMITS.labels, uniqueItems: true })),
  dueAt: Type.Optional(NullableInstant),
};

export const TaskFields = Type.Object(fields, { additionalProperties: false, title: 'TaskInput' });
export type TaskFields = Static<typeof TaskFields>;

/** Only what changes, at least one field; an explicit null clears a field. */
export const TaskPatch = Type.Partial(TaskFields, { additionalProperties: false, minProperties: 1, title: 'TaskPatch' });
export type TaskPatch = Static<typeof TaskPatch>;

export const TaskQuery = Type.Object(
  {
    ...pageFields,
    status: Type.Optional(Type.Array(Status, { maxItems: TASK_STATUSES.length, description: 'one or more statuses (repeat the parameter)' })),
    assigneeId: Type.Optional(Id),
    label: Type.Optional(Label),
    q: Type.Optional(Text(LIMITS.search, { description: 'case-insensitive substring of the title' })),
    sort: Type.Optional(StringEnum(TASK_SORTS, { description: 'default number; a leading - sorts descending' })),
  },
  { additionalProperties: false },
);
export type TaskQuery = Static<typeof TaskQuery>;
