// Comments as the API shows them, and what writing one takes.
import { Type, type Static } from '@sinclair/typebox';
import { Id, Instant, LIMITS, Text } from './common.js';

export const CommentView = Type.Object({ id: Id, taskId: Id, authorId: Id, body: Type.String(), createdAt: Instant }, { title: 'Comment' });
export type CommentView = Static<typeof CommentView>;

export const NewComment = Type.Object({ body: Text(LIMITS.comment) }, { additionalProperties: false, title: 'CommentInput' });
export type NewComment = Static<typeof NewComment>;
