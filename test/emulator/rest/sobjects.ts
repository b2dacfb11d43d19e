/**
 * /sobjects: describeGlobal, describe, basic info, record CRUD, upsert and lookup by external
 * id, getUpdated / getDeleted. Blob fields are answered (and multipart inserts read) by files/.
 */
import { Router, type Request, type Response } from 'express';
import { SfError, notFound } from '../errors.js';
import type { Org } from '../data/org.js';
import { RowState, type Table } from '../data/table.js';
import { normalizeId } from '../data/ids.js';
import type { FieldDef } from '../data/model.js';
import { describeGlobal, describeObject, objectSummary } from './describe.js';
import { recordJson } from './records.js';
import { replicationRoutes } from './replication.js';
import { sendBlob } from '../files/blob-download.js';
import { isMultipart, readMultipartRecord } from '../files/blob-upload.js';

/** A live record of this object by id, or NOT_FOUND as Salesforce answers. */
function liveRow(table: Table, id: string): number {
  const id18 = normalizeId(id);
  const row = id18 ? table.rowOf(id18) : -1;
  if (row >= 0 && table.rowState(row) === RowState.Deleted) throw new SfError('ENTITY_IS_DELETED', 'entity is deleted', 404);
  if (row < 0 || table.rowState(row) !== RowState.Live) throw notFound();
  return row;
}

function selectedFields(table: Table, req: Request): FieldDef[] | undefined {
  const raw = req.query.fields;
  if (typeof raw !== 'string' || !raw) return undefined;
  return raw.split(',').map((name) => {
    const f = table.field(name.trim());
    if (!f) throw new SfError('INVALID_FIELD', `No such column '${name.trim()}' on sobject of type ${table.def.name}`, 400);
    return f;
  });
}

/** If-Modified-Since (HTTP dates have whole seconds) at or after the record's last change: 304. */
function notModifiedSince(req: Request, table: Table, row: number): boolean {
  const since = Date.parse(req.get('if-modified-since') ?? '');
  const modified = table.get(row, 'LastModifiedDate');
  return typeof modified === 'number' && since >= Math.floor(modified / 1000) * 1000;
}

function body(req: Request): Record<string, unknown> {
  const b: unknown = req.body;
  if (!b || typeof b !== 'object' || Array.isArray(b))
    throw new SfError('JSON_PARSER_ERROR', 'The request body must be a JSON object', 400);
  return b as Record<string, unknown>;
}

function externalIdField(table: Table, name: string): FieldDef {
  const f = table.field(name);
  if (!f || !(f.externalId || f.idLookup) || f.type === 'id')
    throw new SfError('NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${name}`, 404);
  return f;
}

export function sobjectRoutes(org: Org): Router {
  const router = Router({ mergeParams: true });
  const v = (res: Response): string => res.locals.version as string;
  const ctx = (res: Response) => ({ userId: res.locals.userId as string });
  const tableOf = (req: Request): Table => {
    const name = String(req.params.sobject);
    if (!org.hasObject(name)) throw new SfError('NOT_FOUND', 'The requested resource does not exist', 404);
    return org.table(name);
  };

  router.get('/sobjects', (_req, res) => {
    res.json(describeGlobal(v(res), org.schema));
  });
  router.get('/sobjects/:sobject', (req, res) => {
    res.json({ objectDescribe: objectSummary(v(res), tableOf(req).def), recentItems: [] });
  });
  // The schema is fixed when the org is built, record types (recordTypeInfos) change with their
  // records: with If-Modified-Since at or after the last change, a describe answers 304 Not
  // Modified with no body, as Salesforce does for unchanged metadata.
  let schemaModified = Math.floor(org.now() / 1000) * 1000;
  org.onTransaction((tx) => {
    if (tx.changes.some((c) => c.sobject === 'RecordType')) schemaModified = Math.floor(tx.commitTimestamp / 1000) * 1000 + 1000;
  });
  router.get('/sobjects/:sobject/describe', (req, res) => {
    const table = tableOf(req);
    const since = Date.parse(req.get('if-modified-since') ?? '');
    if (since >= schemaModified) {
      res.status(304).end();
      return;
    }
    res.json(describeObject(v(res), org, table.def));
  });
  router.use('/sobjects/:sobject', replicationRoutes(org));
  router.post('/sobjects/:sobject', async (req, res) => {
    const table = tableOf(req);
    const fields = isMultipart(req) ? await readMultipartRecord(req, table) : body(req);
    const [r] = org.write([{ kind: 'create', sobject: table.def.name, fields }], ctx(res));
    if (!r!.success) throw r!.errors[0]!;
    res.status(201).json({ id: r!.id, success: true, errors: [] });
  });
  router.get('/sobjects/:sobject/:id', (req, res) => {
    const table = tableOf(req);
    const row = liveRow(table, String(req.params.id));
    if (notModifiedSince(req, table, row)) {
      res.status(304).end();
      return;
    }
    res.json(recordJson(v(res), table, row, selectedFields(table, req)));
  });
  router.patch('/sobjects/:sobject/:id', (req, res) => {
    const table = tableOf(req);
    const id = String(req.params.id);
    liveRow(table, id);
    const [r] = org.write([{ kind: 'update', id, fields: body(req) }], ctx(res));
    if (!r!.success) throw r!.errors[0]!;
    res.status(204).end();
  });
  router.delete('/sobjects/:sobject/:id', (req, res) => {
    const table = tableOf(req);
    const row = liveRow(table, String(req.params.id));
    const [r] = org.write([{ kind: 'delete', id: table.idOf(row) }], ctx(res));
    if (!r!.success) throw r!.errors[0]!;
    res.status(204).end();
  });
  // Two segments: a record's blob field, or an external id lookup / upsert.
  router.get('/sobjects/:sobject/:a/:b', async (req, res) => {
    const table = tableOf(req);
    const a = String(req.params.a);
    const b = String(req.params.b);
    const id18 = normalizeId(a);
    if (id18 && table.rowOf(id18) >= 0) {
      const row = liveRow(table, a);
      const f = table.field(b);
      if (!f || f.type !== 'base64') throw notFound();
      await sendBlob(org, res, table, row, f);
      return;
    }
    const f = externalIdField(table, a);
    const row = org.findByUnique(table, f, b);
    if (row < 0) throw notFound();
    res.json(recordJson(v(res), table, row, selectedFields(table, req)));
  });
  router.patch('/sobjects/:sobject/:field/:value', (req, res) => {
    const table = tableOf(req);
    const f = externalIdField(table, String(req.params.field));
    const value = String(req.params.value);
    const input = body(req);
    const row = org.findByUnique(table, f, value);
    if (row >= 0) {
      const [r] = org.write([{ kind: 'update', id: table.idOf(row), fields: input }], ctx(res));
      if (!r!.success) throw r!.errors[0]!;
      res.status(200).json({ id: r!.id, success: true, errors: [], created: false });
      return;
    }
    const [r] = org.write([{ kind: 'create', sobject: table.def.name, fields: { ...input, [f.name]: value } }], ctx(res));
    if (!r!.success) throw r!.errors[0]!;
    res.status(201).json({ id: r!.id, success: true, errors: [], created: true });
  });
  return router;
}
