/**
 * query, queryAll and query more. A locator names a cursor (the query's result) and an offset;
 * the cursor remembers whether it came from queryAll, because jsforce asks for every next page
 * at .../query/{locator} whatever the first call was.
 */
import { randomBytes } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { SfError, invalidType } from '../errors.js';
import type { Org } from '../data/org.js';
import { executeSoql, type QueryResult } from '../soql/execute.js';
import { queryRecordJson } from './records.js';

interface Cursor {
  result: QueryResult;
  batchSize: number;
  lastUsed: number;
}

const MAX_CURSORS = 200;
const DEFAULT_BATCH = 2000;

/** Sforce-Query-Options: batchSize=N (200..2000; Salesforce treats it as a hint). */
export function batchSizeOf(req: Request): number {
  const m = /batchSize\s*=\s*(\d+)/i.exec(String(req.headers['sforce-query-options'] ?? ''));
  if (!m) return DEFAULT_BATCH;
  return Math.min(2000, Math.max(200, Number(m[1])));
}

interface ColumnMeta {
  aggregate: boolean;
  apexType: string | null;
  booleanType: boolean;
  columnName: string;
  custom: boolean;
  displayName: string;
  foreignKeyName: string | null;
  insertable: boolean;
  joinColumns: ColumnMeta[];
  numberType: boolean;
  textType: boolean;
  updatable: boolean;
}

/** `?columns=true` (what `sf data query` asks to lay out its table): the select list as a tree. */
function columnMetadata(result: QueryResult): Record<string, unknown> {
  const top: ColumnMeta[] = [];
  const node = (name: string, leaf: boolean, f: QueryResult['columns'][number]['field'] | null): ColumnMeta => ({
    aggregate: false,
    apexType: leaf && f ? f.type : null,
    booleanType: leaf && f?.type === 'boolean',
    columnName: name,
    custom: f?.custom ?? false,
    displayName: name,
    foreignKeyName: null,
    insertable: leaf && !!f?.createable,
    joinColumns: [],
    numberType: leaf && !!f && ['int', 'double', 'currency', 'percent'].includes(f.type),
    textType: leaf && !!f && ['string', 'textarea', 'picklist', 'email', 'phone', 'url', 'id', 'reference'].includes(f.type),
    updatable: leaf && !!f?.updateable,
  });
  for (const col of result.columns) {
    let level = top;
    col.path.forEach((name, i) => {
      const leaf = i === col.path.length - 1;
      let n = level.find((c) => c.columnName === name);
      if (!n) {
        n = node(name, leaf, leaf ? col.field : null);
        level.push(n);
      }
      level = n.joinColumns;
    });
  }
  return {
    columnMetadata: top,
    entityName: result.sobject,
    groupBy: false,
    idSelected: result.columns.some((c) => c.name === 'Id'),
    keyPrefix: null,
  };
}

/** Which API a query router serves: the data API, or the Tooling API with its own objects. */
export interface QueryApi {
  /** '' or 'tooling/': where next pages are. */
  path: string;
  /** The objects it answers for (all when absent); others are INVALID_TYPE. */
  objects?: ReadonlySet<string>;
}

export function queryRoutes(org: Org, api: QueryApi = { path: '' }): Router {
  const router = Router({ mergeParams: true });
  const cursors = new Map<string, Cursor>();

  const page = (res: Response, cursorId: string, cursor: Cursor, offset: number): void => {
    const version = res.locals.version as string;
    const { result } = cursor;
    cursor.lastUsed = Date.now();
    if (result.count) {
      res.json({ totalSize: result.totalSize, done: true, records: [] });
      return;
    }
    const end = Math.min(result.totalSize, offset + cursor.batchSize);
    const records = [];
    for (let i = offset; i < end; i++) records.push(queryRecordJson(version, result, i));
    const done = end >= result.totalSize;
    const next = done ? null : `/services/data/v${version}/${api.path}query/${cursorId}-${end}`;
    // The Tooling API's answer also carries its page size, locator and object.
    const body: Record<string, unknown> = api.objects
      ? { size: records.length, totalSize: result.totalSize }
      : { totalSize: result.totalSize };
    body.done = done;
    if (api.objects) Object.assign(body, { queryLocator: next && `${cursorId}-${end}`, entityTypeName: result.table.def.name });
    if (done) cursors.delete(cursorId);
    else body.nextRecordsUrl = next;
    body.records = records;
    res.json(body);
  };

  const start = (includeDeleted: boolean) => (req: Request, res: Response) => {
    const q = req.query.q;
    if (typeof q !== 'string' || !q.trim()) throw new SfError('MALFORMED_QUERY', 'A query string has to be specified', 400);
    const result = executeSoql(org, q, { includeDeleted, userId: res.locals.userId as string });
    if (api.objects && !api.objects.has(result.table.def.name)) throw invalidType(result.sobject);
    if (req.query.columns === 'true') {
      res.json(columnMetadata(result));
      return;
    }
    const cursor: Cursor = { result, batchSize: batchSizeOf(req), lastUsed: Date.now() };
    const id = `01g8d${randomBytes(6).toString('hex').slice(0, 10)}`;
    if (cursor.result.totalSize > cursor.batchSize) {
      cursors.set(id, cursor);
      if (cursors.size > MAX_CURSORS) {
        const oldest = [...cursors.entries()].sort((a, b) => a[1].lastUsed - b[1].lastUsed)[0]!;
        cursors.delete(oldest[0]);
      }
    }
    page(res, id, cursor, 0);
  };

  const more = (req: Request, res: Response) => {
    const m = /^(.+)-(\d+)$/.exec(String(req.params.locator));
    const cursor = m ? cursors.get(m[1]!) : undefined;
    if (!m || !cursor) throw new SfError('INVALID_QUERY_LOCATOR', 'invalid query locator', 400);
    page(res, m[1]!, cursor, Number(m[2]));
  };

  router.get('/query', start(false));
  router.get('/queryAll', start(true));
  router.get('/query/:locator', more);
  router.get('/queryAll/:locator', more);
  return router;
}
