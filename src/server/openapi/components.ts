// Named component schemas. A schema is named by its `title` (TaskView is `{ title: 'Task' }`): wherever the
// generated document holds a schema with a title, it is moved to components.schemas under that name and replaced by
// a $ref, so a generated client has one `Task` type however many operations return one. The title is a plain JSON
// Schema annotation: ajv and the serializer ignore it, so naming a schema changes nothing the server does.

type Node = Record<string, unknown>;

const isObject = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Two schemas given the same name; the document would be ambiguous, so building it fails with both shapes. */
export class ComponentNameClashError extends Error {
  override name = 'ComponentNameClashError';
}

const SCHEMA_MAPS = ['properties', 'patternProperties', 'definitions', '$defs'];
const SCHEMA_VALUES = ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames'];
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];

export class ComponentCollector {
  readonly #schemas: Record<string, unknown>;

  constructor(schemas: Record<string, unknown>) {
    this.#schemas = schemas;
  }

  /** `schema` with every titled schema inside it (itself included) replaced by a $ref to its component. */
  name(schema: unknown): unknown {
    if (!isObject(schema)) return schema;
    const inner = this.#children(schema);
    const title = schema.title;
    if (typeof title !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*$/.test(title)) return inner;
    const { title: _title, ...body } = inner;
    const known = this.#schemas[title];
    if (known === undefined) this.#schemas[title] = body;
    else if (JSON.stringify(known) !== JSON.stringify(body)) {
      throw new ComponentNameClashError(
        `two different schemas are named "${title}": ${JSON.stringify(known)} and ${JSON.stringify(body)}; give one of them another title`,
      );
    }
    return { $ref: `#/components/schemas/${title}` };
  }

  #children(schema: Node): Node {
    const out: Node = { ...schema };
    for (const key of SCHEMA_MAPS) {
      const map = schema[key];
      if (isObject(map)) out[key] = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, this.name(v)]));
    }
    for (const key of SCHEMA_VALUES) if (isObject(schema[key])) out[key] = this.name(schema[key]);
    for (const key of SCHEMA_LISTS) {
      const list = schema[key];
      if (Array.isArray(list)) out[key] = list.map((v) => this.name(v));
    }
    return out;
  }
}
