/**
 * POST /composite/tree/<sObject>: up to 200 records with nested children (keyed by child
 * relationship name), each named by a referenceId; all are created or none. Levels are written
 * parent first so children get their parent's id; when a level fails, the levels written before
 * it are hard-deleted again and only the failing records are reported, as Salesforce answers.
 */
import { Router, type Response } from 'express';
import { SfError } from '../errors.js';
import type { Org } from '../data/org.js';

const MAX_RECORDS = 200;

interface TreeNode {
  referenceId: string;
  sobject: string;
  fields: Record<string, unknown>;
  /** The parent node and the child's lookup field that points at it. */
  parent: { node: TreeNode; field: string } | null;
  id: string | null;
}

function invalid(message: string): SfError {
  return new SfError('INVALID_INPUT', message, 400);
}

/** The request's records as levels: top records first, then their children, and so on. */
function levels(org: Org, sobject: string, body: unknown): TreeNode[][] {
  const records = (body as { records?: unknown } | null)?.records;
  if (!Array.isArray(records)) throw new SfError('JSON_PARSER_ERROR', 'records is required and must be an array', 400);
  const out: TreeNode[][] = [];
  const refs = new Set<string>();
  let count = 0;
  const visit = (list: unknown[], type: string, depth: number, parent: TreeNode['parent']): void => {
    for (const raw of list) {
      if (!raw || typeof raw !== 'object') throw invalid('Each record must be a JSON object');
      const { attributes, ...rest } = raw as Record<string, unknown>;
      const attrs = (attributes ?? {}) as { type?: unknown; referenceId?: unknown };
      if (typeof attrs.type !== 'string' || attrs.type.toLowerCase() !== type.toLowerCase())
        throw invalid(`The record type ${String(attrs.type)} does not match the expected type ${type}`);
      if (typeof attrs.referenceId !== 'string' || !attrs.referenceId)
        throw invalid('Include a reference ID for each record in the request.');
      if (refs.has(attrs.referenceId)) throw invalid(`Duplicate ReferenceId provided in the request: ${attrs.referenceId}`);
      refs.add(attrs.referenceId);
      if (++count > MAX_RECORDS)
        throw new SfError('LIMIT_EXCEEDED', `Exceeded max limit of records in a single request. The maximum is ${MAX_RECORDS}.`, 400);
      const node: TreeNode = { referenceId: attrs.referenceId, sobject: org.table(type).def.name, fields: {}, parent, id: null };
      (out[depth] ??= []).push(node);
      for (const [key, value] of Object.entries(rest)) {
        const nested = value && typeof value === 'object' && !Array.isArray(value) ? (value as { records?: unknown }).records : undefined;
        if (!Array.isArray(nested)) {
          node.fields[key] = value;
          continue;
        }
        const rel = org.schema.childRelationships(node.sobject).find((r) => r.relationshipName?.toLowerCase() === key.toLowerCase());
        if (!rel) throw invalid(`${key} is not a child relationship of ${node.sobject}`);
        visit(nested, rel.childSObject, depth + 1, { node, field: rel.field });
      }
    }
  };
  visit(records, sobject, 0, null);
  return out;
}

export function compositeTreeRoutes(org: Org): Router {
  const router = Router({ mergeParams: true });
  router.post('/composite/tree/:sobject', (req, res: Response) => {
    const sobject = String(req.params.sobject);
    if (!org.hasObject(sobject)) throw new SfError('NOT_FOUND', 'The requested resource does not exist', 404);
    const tree = levels(org, sobject, req.body);
    const userId = res.locals.userId as string;
    const written: TreeNode[] = [];
    for (const level of tree) {
      const ops = level.map((n) => ({
        kind: 'create' as const,
        sobject: n.sobject,
        fields: n.parent ? { ...n.fields, [n.parent.field]: n.parent.node.id } : n.fields,
      }));
      const results = org.write(ops, { userId, allOrNone: true });
      if (results.some((r) => !r.success)) {
        if (written.length)
          org.write(
            written.map((n) => ({ kind: 'hardDelete' as const, id: n.id! })),
            { userId },
          );
        const failed = results.flatMap((r, i) =>
          r.errors.some((e) => e.errorCode !== 'ALL_OR_NONE_OPERATION_ROLLED_BACK')
            ? [
                {
                  referenceId: level[i]!.referenceId,
                  errors: r.errors.map((e) => ({ statusCode: e.errorCode, message: e.message, fields: e.fields })),
                },
              ]
            : [],
        );
        res.status(400).json({ hasErrors: true, results: failed });
        return;
      }
      level.forEach((n, i) => (n.id = results[i]!.id));
      written.push(...level);
    }
    res.status(201).json({ hasErrors: false, results: tree.flat().map((n) => ({ referenceId: n.referenceId, id: n.id })) });
  });
  return router;
}
