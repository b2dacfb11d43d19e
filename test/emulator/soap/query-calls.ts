/**
 * query, queryAll and queryMore. Pages hold 500 records unless the QueryOptions header asks for
 * another batchSize (200..2,000); a queryLocator names the cursor and the offset of the next
 * page (`01g...-500`), and remembers whether it came from queryAll.
 */
import { randomBytes } from 'node:crypto';
import { SfError } from '../errors.js';
import { executeSoql, type QueryResult } from '../soql/execute.js';
import { queryRecordJson } from '../rest/records.js';
import { textOf } from './envelope.js';
import { queryResultXml } from './records.js';
import type { SoapCall, SoapContext } from './context.js';

interface Cursor {
  result: QueryResult;
  batchSize: number;
  lastUsed: number;
}

const DEFAULT_BATCH = 500;
const MAX_CURSORS = 200;

function batchSize(ctx: SoapContext): number {
  const h = ctx.headers.get('QueryOptions');
  const n = Number(h ? textOf(h, 'batchSize') : NaN);
  return Number.isFinite(n) && n > 0 ? Math.min(2000, Math.max(200, n)) : DEFAULT_BATCH;
}

export function queryCalls(): Record<string, SoapCall> {
  const cursors = new Map<string, Cursor>();

  const page = (ctx: SoapContext, id: string, cursor: Cursor, offset: number): string => {
    const { result } = cursor;
    cursor.lastUsed = Date.now();
    if (result.count) return `<result xsi:type="QueryResult">${queryResultXml(ctx.org, [], true, null, result.totalSize)}</result>`;
    const end = Math.min(result.totalSize, offset + cursor.batchSize);
    const records = [];
    for (let i = offset; i < end; i++) records.push(queryRecordJson(ctx.version, result, i));
    const done = end >= result.totalSize;
    if (done) cursors.delete(id);
    return `<result xsi:type="QueryResult">${queryResultXml(ctx.org, records, done, done ? null : `${id}-${end}`, result.totalSize)}</result>`;
  };

  const start =
    (includeDeleted: boolean): SoapCall =>
    (op, ctx) => {
      const soql = textOf(op, 'queryString') ?? '';
      if (!soql.trim()) throw new SfError('MALFORMED_QUERY', 'A query string has to be specified', 500);
      const result = executeSoql(ctx.org, soql, { includeDeleted, userId: ctx.userId });
      const cursor: Cursor = { result, batchSize: batchSize(ctx), lastUsed: Date.now() };
      const id = `01g${randomBytes(8).toString('hex').slice(0, 12)}`;
      if (result.totalSize > cursor.batchSize) {
        cursors.set(id, cursor);
        if (cursors.size > MAX_CURSORS) {
          const oldest = [...cursors.entries()].sort((a, b) => a[1].lastUsed - b[1].lastUsed)[0]!;
          cursors.delete(oldest[0]);
        }
      }
      return page(ctx, id, cursor, 0);
    };

  const queryMore: SoapCall = (op, ctx) => {
    const m = /^(.+)-(\d+)$/.exec(textOf(op, 'queryLocator') ?? '');
    const cursor = m ? cursors.get(m[1]!) : undefined;
    if (!m || !cursor) throw new SfError('INVALID_QUERY_LOCATOR', 'invalid query locator', 500);
    return page(ctx, m[1]!, cursor, Number(m[2]));
  };

  return { query: start(false), queryAll: start(true), queryMore };
}
