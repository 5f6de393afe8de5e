// X-Consistency-Token in the OpenAPI document: a header every /v1 operation accepts, and every one answers with
// after a write.
const NAME = 'X-Consistency-Token';
const DESCRIPTION =
  'Read-your-writes across replicas and server instances: the WAL position of the write this response made. Send it back on later requests (to any instance) and their reads are served only by a replica that has replayed it, or by the primary.';

type Doc = Record<string, unknown> & {
  paths?: Record<string, Record<string, { parameters?: unknown[]; responses?: Record<string, { headers?: Record<string, unknown> }> }>>;
  components?: Record<string, Record<string, unknown>>;
};

export function describeConsistencyToken(document: Record<string, unknown>): Record<string, unknown> {
  const doc = structuredClone(document) as Doc;
  const components = (doc.components ??= {});
  (components.parameters ??= {}).consistencyToken = {
    name: NAME,
    in: 'header',
    required: false,
    description: DESCRIPTION,
    schema: { type: 'string', example: '0/16B3748' },
  };
  (components.headers ??= {})[NAME] = { description: DESCRIPTION, schema: { type: 'string' } };
  for (const [path, operations] of Object.entries(doc.paths ?? {})) {
    if (!path.startsWith('/v1/')) continue;
    for (const op of Object.values(operations)) {
      (op.parameters ??= []).push({ $ref: '#/components/parameters/consistencyToken' });
      for (const response of Object.values(op.responses ?? {})) (response.headers ??= {})[NAME] = { $ref: `#/components/headers/${NAME}` };
    }
  }
  return doc;
}
