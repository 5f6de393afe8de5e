// Headers a module reads or sets on every operation (a consistency token, say), added to the OpenAPI
// document once it is finished: a reusable parameter and response header in `components`, referred to from each
// operation under the header's path prefix.
export interface DocumentedHeader {
  /** As sent on the wire, e.g. `X-Consistency-Token`. */
  readonly name: string;
  /** Its key under `components.parameters`, e.g. `consistencyToken`. */
  readonly parameter: string;
  readonly description: string;
  /** A value, shown on the request parameter. */
  readonly example: string;
  /** Operations whose path starts with it take the header and answer with it, e.g. `/v1/`. */
  readonly pathPrefix: string;
}

type Doc = Record<string, unknown> & {
  paths?: Record<string, Record<string, { parameters?: unknown[]; responses?: Record<string, { headers?: Record<string, unknown> }> }>>;
  components?: Record<string, Record<string, unknown>>;
};

export class ApiDocument {
  readonly #headers: DocumentedHeader[] = [];

  addHeader(header: DocumentedHeader): void {
    this.#headers.push(Object.freeze({ ...header }));
  }

  /** The finished document with every added header; `document` itself is left as it was. */
  extend(document: Record<string, unknown>): Record<string, unknown> {
    if (this.#headers.length === 0) return document;
    const doc = structuredClone(document) as Doc;
    for (const header of this.#headers) describeHeader(doc, header);
    return doc;
  }
}

function describeHeader(doc: Doc, { name, parameter, description, example, pathPrefix }: DocumentedHeader): void {
  const components = (doc.components ??= {});
  (components.parameters ??= {})[parameter] = { name, in: 'header', required: false, description, schema: { type: 'string', example } };
  (components.headers ??= {})[name] = { description, schema: { type: 'string' } };
  for (const [path, operations] of Object.entries(doc.paths ?? {})) {
    if (!path.startsWith(pathPrefix)) continue;
    for (const op of Object.values(operations)) {
      (op.parameters ??= []).push({ $ref: `#/components/parameters/${parameter}` });
      for (const response of Object.values(op.responses ?? {})) (response.headers ??= {})[name] = { $ref: `#/components/headers/${name}` };
    }
  }
}
