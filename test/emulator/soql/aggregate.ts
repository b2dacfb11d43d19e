/**
 * Aggregate queries (COUNT(Id), SUM(Amount), ... with GROUP BY and HAVING): the matched rows
 * fold into groups, each answered as an AggregateResult record whose keys are the grouped
 * fields' names and the aggregates' aliases (expr0, expr1, ... for those without one).
 */
import { SfError } from '../errors.js';
import type { Table } from '../data/table.js';
import { toJson } from '../data/values.js';
import type { Aggregate, Condition, Literal, SelectQuery } from './ast.js';
import type { QueryColumn } from './execute.js';

export interface ColumnResolver {
  column(table: Table, path: string[], pos: number): QueryColumn;
}

export function isAggregateQuery(q: SelectQuery): boolean {
  return q.aggregates.length > 0 || q.groupBy.length > 0;
}

const NUMERIC = new Set(['int', 'double', 'currency', 'percent']);

type Fold = (rows: number[]) => unknown;

function fold(resolver: ColumnResolver, table: Table, a: Aggregate): Fold {
  if (a.path === null) return (rows) => rows.length;
  const col = resolver.column(table, a.path, a.pos);
  const f = col.field;
  if ((a.fn === 'SUM' || a.fn === 'AVG') && !NUMERIC.has(f.type))
    throw new SfError('INVALID_FIELD', `field ${f.name} does not support aggregate operator ${a.fn}`);
  const values = (rows: number[]): unknown[] => rows.map(col.get).filter((v) => v !== null && v !== undefined);
  switch (a.fn) {
    case 'COUNT':
      return (rows) => values(rows).length;
    case 'COUNT_DISTINCT':
      return (rows) => new Set(values(rows).map((v) => (typeof v === 'string' ? v.toLowerCase() : v))).size;
    case 'SUM':
    case 'AVG':
      return (rows) => {
        const vs = values(rows) as number[];
        if (!vs.length) return null;
        const sum = vs.reduce((x, y) => x + y, 0);
        return a.fn === 'SUM' ? sum : sum / vs.length;
      };
    default:
      return (rows) => {
        const vs = values(rows) as Array<string | number>;
        if (!vs.length) return null;
        const pick = vs.reduce((x, y) => ((a.fn === 'MIN' ? y < x : y > x) ? y : x));
        return toJson(f, pick);
      };
  }
}

function compareTo(v: unknown, op: string, lit: Literal): boolean {
  if (lit.kind === 'null') return op === '=' ? v === null : op === '!=' ? v !== null : false;
  if (v === null || v === undefined || !('value' in lit)) return op === '!=';
  const x = typeof v === 'string' ? v.toLowerCase() : (v as number);
  const y = typeof lit.value === 'string' ? lit.value.toLowerCase() : (lit.value as number);
  switch (op) {
    case '=':
      return x === y;
    case '!=':
      return x !== y;
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    case '>=':
      return x >= y;
    default:
      throw new SfError('MALFORMED_QUERY', `unexpected token: '${op}' in HAVING`);
  }
}

function having(resolver: ColumnResolver, table: Table, c: Condition): (rows: number[]) => boolean {
  switch (c.kind) {
    case 'and':
    case 'or': {
      const l = having(resolver, table, c.left);
      const r = having(resolver, table, c.right);
      return c.kind === 'and' ? (rows) => l(rows) && r(rows) : (rows) => l(rows) || r(rows);
    }
    case 'not': {
      const e = having(resolver, table, c.expr);
      return (rows) => !e(rows);
    }
    default: {
      const value = c.value;
      if (Array.isArray(value) || 'from' in value)
        throw new SfError('MALFORMED_QUERY', 'HAVING compares an aggregate or a grouped field with one value');
      const col = c.aggregate ? null : resolver.column(table, c.path, c.pos);
      const of: Fold = c.aggregate ? fold(resolver, table, c.aggregate) : (rows) => col!.get(rows[0]!);
      return (rows) => compareTo(of(rows), c.op, value);
    }
  }
}

/** The AggregateResult records of the matched rows (already in ORDER BY order), LIMIT/OFFSET applied to groups. */
export function aggregateRecords(
  resolver: ColumnResolver,
  table: Table,
  q: SelectQuery,
  matched: number[],
): Array<Record<string, unknown>> {
  const groupCols = q.groupBy.map((g) => resolver.column(table, g.path, g.pos));
  const grouped = new Set(groupCols.map((c) => c.name.toLowerCase()));
  for (const f of q.fields) {
    const col = resolver.column(table, f.path, f.pos);
    if (!grouped.has(col.name.toLowerCase()))
      throw new SfError('MALFORMED_QUERY', `Field must be grouped or aggregated: ${col.field.name}`);
  }
  const groups = new Map<string, number[]>();
  for (const r of matched) {
    const k = JSON.stringify(groupCols.map((c) => c.get(r)));
    const list = groups.get(k);
    if (list) list.push(r);
    else groups.set(k, [r]);
  }
  // Without GROUP BY every aggregate folds all rows into one record, even when none matched.
  if (!groupCols.length && !groups.size) groups.set('[]', []);
  let n = 0;
  const outputs: Array<{ key: string; of: Fold }> = [
    ...groupCols.map((c) => ({ key: c.field.name, of: (rows: number[]) => toJson(c.field, c.get(rows[0]!)) })),
    ...q.aggregates.map((a) => ({ key: a.alias ?? `expr${n++}`, of: fold(resolver, table, a) })),
  ];
  const keep = q.having ? having(resolver, table, q.having) : null;
  const records: Array<Record<string, unknown>> = [];
  for (const rows of groups.values()) {
    if (keep && !keep(rows)) continue;
    const rec: Record<string, unknown> = { attributes: { type: 'AggregateResult' } };
    for (const o of outputs) rec[o.key] = o.of(rows);
    records.push(rec);
  }
  const start = q.offset ?? 0;
  return records.slice(start, q.limit === null ? undefined : start + q.limit);
}
