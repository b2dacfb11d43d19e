/** Records as the REST API writes them: attributes, JSON values, nested parents for queries. */
import type { FieldDef } from '../data/model.js';
import type { Table } from '../data/table.js';
import { toJson } from '../data/values.js';
import type { QueryResult } from '../soql/execute.js';

export function recordUrl(version: string, sobject: string, id: string): string {
  return `/services/data/v${version}/sobjects/${sobject}/${id}`;
}

/**
 * Setup rows keyed by a DurableId (EntityDefinition) have no record Id of their own: Salesforce
 * answers their Id as this constant and addresses each row by its DurableId.
 */
const NO_RECORD_ID = '000000000000000AAA';
const durableIdOf = (table: Table): FieldDef | undefined => table.field('DurableId');

function attributes(version: string, table: Table, row: number): { type: string; url: string } {
  const durable = durableIdOf(table);
  const address = durable ? String(table.getter(durable)(row)) : table.idOf(row);
  return { type: table.def.name, url: recordUrl(version, table.def.name, address) };
}

function jsonValue(version: string, table: Table, row: number, f: FieldDef, v: unknown): unknown {
  if (f.name === 'Id' && durableIdOf(table)) return NO_RECORD_ID;
  if (f.type === 'base64') return v === null ? null : `${recordUrl(version, table.def.name, table.idOf(row))}/${f.name}`;
  return toJson(f, v);
}

/** One record with the given fields (default: all). */
export function recordJson(version: string, table: Table, row: number, fields: FieldDef[] = table.def.fields): Record<string, unknown> {
  const out: Record<string, unknown> = { attributes: attributes(version, table, row) };
  for (const f of fields) out[f.name] = jsonValue(version, table, row, f, table.getter(f)(row));
  return out;
}

/** Result record i of a query: an AggregateResult, or a record with its parents and children nested. */
export function queryRecordJson(version: string, result: QueryResult, i: number): Record<string, unknown> {
  return result.aggregates ? result.aggregates[i]! : rowJson(version, result, result.rows[i]!);
}

/** One table row of a query's result, parents nested as objects (or null when absent). */
function rowJson(version: string, result: QueryResult, row: number): Record<string, unknown> {
  const out: Record<string, unknown> = { attributes: attributes(version, result.table, row) };
  for (const col of result.columns) {
    let target = out;
    let table = result.table;
    let targetRow = row;
    let missing = false;
    for (let d = 0; d < col.parents.length; d++) {
      const name = col.path[d]!;
      // A TYPEOF field of another type left the parent null; this one may be of the row's type.
      if (name in target && target[name] !== null) {
        const existing = target[name] as Record<string, unknown>;
        const loc = col.parents[d]!(row);
        if (!loc) {
          missing = true;
          break;
        }
        table = loc.table;
        targetRow = loc.row;
        target = existing;
        continue;
      }
      const loc = col.parents[d]!(row);
      if (!loc) {
        target[name] = null;
        missing = true;
        break;
      }
      const child: Record<string, unknown> = { attributes: attributes(version, loc.table, loc.row) };
      target[name] = child;
      target = child;
      table = loc.table;
      targetRow = loc.row;
    }
    if (missing) continue;
    const f = table.field(col.field.name) ?? col.field;
    target[f.name] = jsonValue(version, table, targetRow, f, col.get(row));
  }
  // Parent-to-child subqueries: a query result of their own, or null when the record has none.
  for (const child of result.children) {
    const rows = child.rowsOf(result.table.idOf(row));
    out[child.name] = rows.length
      ? { totalSize: rows.length, done: true, records: rows.map((r) => rowJson(version, child.result, r)) }
      : null;
  }
  return out;
}
