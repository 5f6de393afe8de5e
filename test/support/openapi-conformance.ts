// Checks an answer against the OpenAPI document the server serves, as Schemathesis does: the operation exists, the
// status is one it declares (or its `default`), the content type is the declared one, the body validates against the
// declared schema, and an error's code is the one its status declares.
import { Ajv } from 'ajv';
import formats from 'ajv-formats';
import { ERROR_KINDS } from '../../src/server/openapi/error-schemas.js';
import type { Reply } from './api.js';

type Doc = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>> };

export class DocumentConformance {
  readonly #doc: Doc;
  readonly #ajv: Ajv;
  readonly #paths: Array<{ template: string; pattern: RegExp }>;

  constructor(document: unknown) {
    this.#doc = document as Doc;
    // OpenAPI 3.0 schemas: `nullable` is understood, annotations such as `example` are not keywords to refuse.
    this.#ajv = new Ajv({ strict: false, allErrors: false });
    const addFormats = ((formats as unknown as { default?: unknown }).default ?? formats) as (ajv: Ajv) => Ajv;
    addFormats(this.#ajv);
    this.#ajv.addSchema(document as object, 'doc');
    this.#paths = Object.keys(this.#doc.paths).map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }));
  }

  /**
   * What is wrong with `reply` by the document; empty when it conforms. A path that is no instance of a documented one
   * (`/v1/members/`, an empty id) asked for nothing the document describes, so there is nothing to hold its answer to.
   */
  problems(reply: Reply): string[] {
    if (!reply.request) return ['the reply does not say what was asked'];
    const { method, route } = reply.request;
    const path = route.split('?')[0]!;
    const said = `${method} ${path} -> ${reply.status}`;
    const template = this.#paths.find((p) => p.pattern.test(path))?.template;
    if (template === undefined) return [];
    const op = this.#doc.paths[template]![method.toLowerCase()];
    if (!op) return reply.status === 405 && reply.headers.get('allow') ? [] : [`${said}: no such operation in the document, and not a 405 with Allow`];
    // `default` stands for the HTTP layer's other statuses (408, 431...), not for one the API names and left out here.
    const named = ERROR_KINDS.some((k) => k.status === reply.status) || reply.status < 400;
    const key = String(reply.status) in op.responses ? String(reply.status) : named ? undefined : 'default';
    const response = key === undefined ? undefined : op.responses[key];
    if (!key || !response) return [`${said}: status not declared for this operation`];
    const type = (reply.headers.get('content-type') ?? '').split(';')[0]!.trim();
    if (!response.content) return type === '' ? [] : [`${said}: a body of ${type} where none is declared`];
    if (!(type in response.content)) return [`${said}: ${type || 'no content type'} where ${Object.keys(response.content).join(', ')} is declared`];
    if (type !== 'application/json') return [];
    const pointer = `doc#/paths/${template.replaceAll('~', '~0').replaceAll('/', '~1')}/${method.toLowerCase()}/responses/${key}/content/application~1json/schema`;
    const validate = this.#ajv.getSchema(pointer) ?? this.#ajv.compile({ $ref: pointer });
    if (!validate(reply.body)) return [`${said}: body ${JSON.stringify(reply.body).slice(0, 300)} does not match: ${this.#ajv.errorsText(validate.errors)}`];
    return [];
  }
}
