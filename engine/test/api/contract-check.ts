import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';

type Doc = {
  paths: Record<
    string,
    Record<string, { operationId: string; responses: Record<string, { content?: Record<string, { schema: object }> }> }>
  >;
  components: { schemas: Record<string, object> };
};

/**
 * Checks real answers against the served OpenAPI document: the status must be documented for
 * the operation and a JSON body must match its schema. Records which operations were seen so a
 * suite can prove it covered them all.
 */
export class ContractChecker {
  private readonly ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  private readonly cache = new Map<string, ValidateFunction>();
  readonly seen = new Set<string>();

  constructor(readonly doc: Doc) {
    this.ajv.addSchema({ $id: 'components', ...doc.components.schemas }, 'components');
  }

  operationIds(): string[] {
    return Object.values(this.doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
  }

  /** `template` as in the document: /orgs/{orgId}. */
  check(method: string, template: string, res: { status: number; body: unknown; headers: Headers }): void {
    const op = this.doc.paths[template]?.[method.toLowerCase()];
    if (!op) throw new Error(`${method} ${template} is not in the OpenAPI document`);
    const documented = op.responses[String(res.status)];
    if (!documented) {
      throw new Error(`${op.operationId} answered ${res.status}, which is not documented: ${JSON.stringify(res.body)}`);
    }
    this.seen.add(`${op.operationId} ${res.status}`);
    const media = documented.content && Object.keys(documented.content)[0];
    if (!media || media !== 'application/json') return;
    const key = `${op.operationId} ${res.status}`;
    let validate = this.cache.get(key);
    if (!validate) {
      const schema = JSON.parse(JSON.stringify(documented.content![media]!.schema).replaceAll('#/components/schemas/', 'components#/'));
      validate = this.ajv.compile(schema);
      this.cache.set(key, validate);
    }
    if (!validate(res.body)) {
      throw new Error(`${key} does not match the document: ${this.ajv.errorsText(validate.errors)}\n${JSON.stringify(res.body)}`);
    }
  }
}
