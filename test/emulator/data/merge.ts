/**
 * merge(), as the SOAP API documents it: up to three records of one mergeable type (Account,
 * Contact, Lead) become the master record; field values sent with the master supersede its own;
 * the related records of the others are re-parented to the master (updatedRelatedIds); the
 * others are deleted with MasterRecordId pointing at the master (queryAll finds them with
 * `IsDeleted = true AND MasterRecordId != null`). Each request is its own transaction.
 * Salesforce documents no error codes for merge's own rules: those below are unconfirmed.
 */
import { SfError } from '../errors.js';
import { normalizeId } from './ids.js';
import type { Org, TxWriter, WriteContext } from './org.js';
import { RowState, type Table } from './table.js';

/** Besides the master, at most this many records per request. */
export const MAX_MERGED = 2;

export interface MergeRequest {
  type: string;
  masterId: string | undefined;
  /** Values that supersede the master's (as in an update). */
  fields: Record<string, unknown>;
  recordToMergeIds: string[];
}

export interface MergeResult {
  id: string | null;
  success: boolean;
  mergedRecordIds: string[];
  updatedRelatedIds: string[];
  errors: SfError[];
}

function liveRow(org: Org, table: Table, raw: string | undefined): number {
  const id = normalizeId(raw);
  const loc = id ? org.locate(id) : null;
  if (!loc || loc.table !== table) throw new SfError('INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id: ${raw ?? ''}`, 400);
  if (loc.state !== RowState.Live) throw new SfError('ENTITY_IS_DELETED', 'entity is deleted', 400);
  return loc.row;
}

/** Points the live records that look up a merged record at the master instead; their ids. */
function reparent(org: Org, tx: TxWriter, table: Table, from: string, master: string, merged: Set<string>): string[] {
  const moved: string[] = [];
  for (const rel of org.schema.childRelationships(table.def.name)) {
    if (rel.field === 'MasterRecordId') continue;
    const child = org.table(rel.childSObject);
    for (const r of [...(org.rowsReferencing(child, rel.field).get(from) ?? [])]) {
      const id = child.idOf(r);
      if (child.rowState(r) !== RowState.Live || child.getStored(r, rel.field) !== from || merged.has(id) || id === master) continue;
      tx.update(child, r, new Map([[rel.field, master]]));
      moved.push(id);
    }
  }
  return moved;
}

function mergeOne(org: Org, tx: TxWriter, req: MergeRequest): MergeResult {
  if (!org.hasObject(req.type) || !org.table(req.type).def.mergeable)
    throw new SfError('INVALID_TYPE', `Merge is not supported for sObject type '${req.type}'`, 400);
  const table = org.table(req.type);
  const masterRow = liveRow(org, table, req.masterId);
  const master = table.idOf(masterRow);
  const ids = req.recordToMergeIds.map((raw) => table.idOf(liveRow(org, table, raw)));
  if (ids.length === 0 || ids.length > MAX_MERGED)
    throw new SfError('INVALID_ARGUMENT', `A merge takes the master record and one or two records to merge: ${ids.length} given`, 400);
  if (ids.includes(master) || new Set(ids).size !== ids.length)
    throw new SfError('INVALID_ID_FIELD', 'The master record and the records to merge must be different records', 400);
  const values = org.convert(table, req.fields, false);
  if (values.size) tx.update(table, masterRow, values);
  const merged = new Set(ids);
  const updatedRelatedIds = ids.flatMap((id) => reparent(org, tx, table, id, master, merged));
  for (const id of ids) {
    tx.update(table, table.rowOf(id), new Map([['MasterRecordId', master]]));
    const del = org.prepare({ kind: 'delete', id }, tx);
    if (del instanceof SfError) throw del;
    del();
  }
  return { id: master, success: true, mergedRecordIds: ids, updatedRelatedIds, errors: [] };
}

/** Runs each request in its own transaction; a failed request changes nothing and answers its error. */
export function mergeRecords(org: Org, requests: MergeRequest[], ctx: WriteContext): MergeResult[] {
  return requests.map((req) => {
    try {
      return org.transaction(ctx, (tx) => mergeOne(org, tx, req));
    } catch (err) {
      if (!(err instanceof SfError)) throw err;
      return { id: normalizeId(req.masterId) ?? null, success: false, mergedRecordIds: [], updatedRelatedIds: [], errors: [err] };
    }
  });
}
