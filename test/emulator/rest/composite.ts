/**
 * sObject collections: create, update, upsert (by external id) and delete up to 200 records a
 * call, each with its own result; allOrNone rolls everything back when one fails.
 */
import { Router, type Request, type Response } from 'express';
import { SfError } from '../errors.js';
import type { Org, WriteOp, WriteResult } from '../data/org.js';
import { recordJson } from './records.js';
import { normalizeId } from '../data/ids.js';
import { RowState } from '../data/table.js';

const MAX_RECORDS = 200;

interface CollectionBody {
  allOrNone?: boolean;
  records?: Array<Record<string, unknown>>;
}

function collection(req: Request): { allOrNone: boolean; records: Array<Record<string, unknown>> } {
  const b = (req.body ?? {}) as CollectionBody;
  if (!Array.isArray(b.records)) throw new SfError('JSON_PARSER_ERROR', 'records is required and must be an array', 400);
  if (b.records.length > MAX_RECORDS)
    throw new SfError('EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${MAX_RECORDS} records into this call`, 400);
  return { allOrNone: b.allOrNone === true, records: b.records };
}

function typeOf(rec: Record<string, unknown>): string {
  const type = (rec.attributes as { type?: unknown } | undefined)?.type;
  if (typeof type !== 'string') throw new SfError('INVALID_TYPE', 'No SObject Type defined in attributes', 400);
  return type;
}

function answer(res: Response, results: WriteResult[], withCreated: boolean): void {
  res.json(
    results.map((r) => ({
      ...(r.id ? { id: r.id } : {}),
      success: r.success,
      errors: r.errors.map((e) => ({ statusCode: e.errorCode, message: e.message, fields: e.fields })),
      ...(withCreated && r.success ? { created: r.created === true } : {}),
    })),
  );
}

export function compositeRoutes(org: Org): Router {
  const router = Router({ mergeParams: true });
  const ctx = (res: Response, allOrNone: boolean) => ({ userId: res.locals.userId as string, allOrNone });

  router.post('/composite/sobjects', (req, res) => {
    const { allOrNone, records } = collection(req);
    const ops: WriteOp[] = records.map((rec) => {
      const { attributes: _a, ...fields } = rec;
      return { kind: 'create', sobject: typeOf(rec), fields };
    });
    answer(res, org.write(ops, ctx(res, allOrNone)), false);
  });

  router.patch('/composite/sobjects', (req, res) => {
    const { allOrNone, records } = collection(req);
    const ops: WriteOp[] = records.map((rec) => {
      const { attributes: _a, ...fields } = rec;
      // Field names are case-insensitive: jsforce sends "id".
      const idKey = Object.keys(fields).find((k) => k.toLowerCase() === 'id');
      const id = idKey ? fields[idKey] : '';
      if (idKey) delete fields[idKey];
      return { kind: 'update', id: String(id ?? ''), fields };
    });
    answer(res, org.write(ops, ctx(res, allOrNone)), false);
  });

  router.patch('/composite/sobjects/:sobject/:field', (req, res) => {
    const { allOrNone, records } = collection(req);
    const table = org.table(String(req.params.sobject));
    const f = table.field(String(req.params.field));
    if (!f || !(f.externalId || f.idLookup))
      throw new SfError('INVALID_FIELD', `Field ${String(req.params.field)} is not an external id field`, 400);
    const ops: WriteOp[] = records.map((rec) => {
      const { attributes: _a, ...fields } = rec;
      const value = fields[f.name];
      const row =
        value === undefined || value === null
          ? -1
          : f.type === 'id'
            ? table.rowOf(normalizeId(value) ?? '')
            : org.findByUnique(table, f, String(value));
      if (row >= 0 && table.rowState(row) === RowState.Live) {
        delete fields[f.name];
        return { kind: 'update', id: table.idOf(row), fields };
      }
      return { kind: 'create', sobject: table.def.name, fields };
    });
    answer(res, org.write(ops, ctx(res, allOrNone)), true);
  });

  router.delete('/composite/sobjects', (req, res) => {
    const ids = String(req.query.ids ?? '')
      .split(',')
      .filter(Boolean);
    if (ids.length > MAX_RECORDS)
      throw new SfError('EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${MAX_RECORDS} records into this call`, 400);
    const ops: WriteOp[] = ids.map((id) => ({ kind: 'delete', id }));
    answer(res, org.write(ops, ctx(res, req.query.allOrNone === 'true')), false);
  });

  router.get('/composite/sobjects/:sobject', (req, res) => {
    const table = org.table(String(req.params.sobject));
    const ids = String(req.query.ids ?? '')
      .split(',')
      .filter(Boolean);
    const names = String(req.query.fields ?? '')
      .split(',')
      .filter(Boolean);
    const fields = names.map((n) => {
      const f = table.field(n);
      if (!f) throw new SfError('INVALID_FIELD', `No such column '${n}' on sobject of type ${table.def.name}`, 400);
      return f;
    });
    res.json(
      ids.map((id) => {
        const row = table.rowOf(normalizeId(id) ?? '');
        return row >= 0 && table.rowState(row) === RowState.Live ? recordJson(res.locals.version as string, table, row, fields) : null;
      }),
    );
  });
  return router;
}
