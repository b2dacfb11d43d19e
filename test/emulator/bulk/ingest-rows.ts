/**
 * Turns an ingest job's CSV rows into writes and per-record results, as Bulk API 2.0 does: an
 * empty value leaves a field alone, `#N/A` sets it to null, a column `Rel.ExtField` (e.g.
 * `Project__r.External_Id__c`) sets the lookup to the parent with that external id; writes go
 * through org.write 200 records at a time, so each group is one Transaction (and CDC sees it).
 */
import type { FieldDef } from '../data/model.js';
import type { Org, WriteOp, WriteResult } from '../data/org.js';
import { RowState, type Table } from '../data/table.js';
import { normalizeId } from '../data/ids.js';
import { SfError } from '../errors.js';

export type IngestOperation = 'insert' | 'update' | 'upsert' | 'delete' | 'hardDelete';

/** How one header column is applied to a record. */
type ColumnPlan =
  | { kind: 'field'; field: FieldDef }
  | { kind: 'lookup'; field: FieldDef; parents: Array<{ table: Table; key: FieldDef }>; keyName: string };

export interface RowOutcome {
  success: boolean;
  id: string;
  created: boolean;
  error: string;
}

/** Salesforce's sf__Error text: CODE:message:fields --. */
export function errorText(e: SfError): string {
  return `${e.errorCode}:${e.message}:${e.fields.join(',')} --`;
}

/** Plans the header's columns; a column the object does not have fails the whole job. */
export function planColumns(org: Org, table: Table, header: string[]): ColumnPlan[] {
  const seen = new Set<string>();
  return header.map((raw) => {
    const name = raw.trim();
    if (seen.has(name.toLowerCase())) throw new SfError('INVALIDBATCH', `InvalidBatch : Duplicate field name found : ${name}`);
    seen.add(name.toLowerCase());
    const dot = name.indexOf('.');
    if (dot < 0) {
      const f = table.field(name);
      if (!f || (f.compute && f.name !== 'Id')) throw new SfError('INVALIDBATCH', `InvalidBatch : Field name not found : ${name}`);
      return { kind: 'field', field: f };
    }
    const relName = name.slice(0, dot).split(':')[0]!.toLowerCase();
    const keyName = name.slice(dot + 1);
    const f = table.def.fields.find((x) => x.type === 'reference' && x.relationshipName?.toLowerCase() === relName);
    const parents = (f?.referenceTo ?? [])
      .filter((o) => org.hasObject(o))
      .map((o) => ({ table: org.table(o), key: org.table(o).field(keyName) }))
      .filter((p): p is { table: Table; key: FieldDef } => !!p.key && (p.key.idLookup || p.key.externalId || p.key.unique));
    if (!f || !parents.length) throw new SfError('INVALIDBATCH', `InvalidBatch : Field name not found : ${name}`);
    return { kind: 'lookup', field: f, parents, keyName };
  });
}

function lookupParent(org: Org, plan: Extract<ColumnPlan, { kind: 'lookup' }>, value: string): string {
  for (const { table, key } of plan.parents) {
    const row = key.type === 'id' ? table.rowOf(normalizeId(value) ?? '') : org.findByUnique(table, key, value);
    if (row >= 0 && table.rowState(row) === RowState.Live) return table.idOf(row);
  }
  throw new SfError(
    'INVALID_FIELD',
    `Foreign key external ID: ${value} not found for field ${plan.keyName} in entity ${plan.parents[0]!.table.def.name}`,
    400,
    [plan.field.name],
  );
}

/** The write for one CSV row. */
function rowOp(
  org: Org,
  table: Table,
  operation: IngestOperation,
  externalId: FieldDef | null,
  plans: ColumnPlan[],
  values: string[],
): WriteOp {
  const fields: Record<string, unknown> = {};
  let id: string | null = null;
  plans.forEach((p, i) => {
    const v = values[i] ?? '';
    if (v === '') return;
    if (p.kind === 'field' && p.field.name === 'Id') {
      id = v;
      return;
    }
    const value = v === '#N/A' ? null : p.kind === 'lookup' ? lookupParent(org, p, v) : v;
    fields[p.field.name] = value;
  });
  switch (operation) {
    case 'insert':
      return { kind: 'create', sobject: table.def.name, fields };
    case 'update':
      if (id === null) throw new SfError('MISSING_ARGUMENT', 'Id not specified in an update call', 400);
      return { kind: 'update', id, fields };
    case 'delete':
    case 'hardDelete':
      if (id === null) throw new SfError('MISSING_ARGUMENT', `Id not specified in a ${operation} call`, 400);
      return { kind: operation, id };
    case 'upsert': {
      const key = externalId!;
      const keyValue = key.name === 'Id' ? id : (fields[key.name] as string | undefined);
      if (keyValue === null || keyValue === undefined) throw new SfError('MISSING_ARGUMENT', `${key.name} not specified`, 400, [key.name]);
      const row = key.name === 'Id' ? table.rowOf(normalizeId(keyValue) ?? '') : org.findByUnique(table, key, keyValue);
      if (row >= 0 && table.rowState(row) === RowState.Live) {
        delete fields[key.name];
        return { kind: 'update', id: table.idOf(row), fields };
      }
      if (key.name === 'Id') throw new SfError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', 400);
      return { kind: 'create', sobject: table.def.name, fields };
    }
  }
}

/** Runs a group of rows (up to 200) as one org write; one outcome per row, in order. */
export function writeRows(
  org: Org,
  table: Table,
  operation: IngestOperation,
  externalId: FieldDef | null,
  plans: ColumnPlan[],
  rows: string[][],
  userId: string,
): RowOutcome[] {
  const outcomes: Array<RowOutcome | null> = [];
  const ops: WriteOp[] = [];
  const opRow: number[] = [];
  rows.forEach((values, i) => {
    try {
      ops.push(rowOp(org, table, operation, externalId, plans, values));
      opRow.push(i);
      outcomes.push(null);
    } catch (err) {
      if (!(err instanceof SfError)) throw err;
      const idCol = plans.findIndex((p) => p.kind === 'field' && p.field.name === 'Id');
      outcomes.push({ success: false, id: idCol >= 0 ? (values[idCol] ?? '') : '', created: false, error: errorText(err) });
    }
  });
  const results: WriteResult[] = ops.length ? org.write(ops, { userId }) : [];
  results.forEach((r, k) => {
    outcomes[opRow[k]!] = r.success
      ? { success: true, id: r.id ?? '', created: r.created === true, error: '' }
      : { success: false, id: r.id ?? '', created: false, error: errorText(r.errors[0]!) };
  });
  return outcomes as RowOutcome[];
}
