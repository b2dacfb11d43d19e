/**
 * create, update, upsert, delete, undelete, emptyRecycleBin, retrieve and merge: the partner API's
 * record calls, each going through the org's one write path (org.write), so triggers, change
 * events, cascades and the Recycle Bin behave as for REST. Up to 200 records a call
 * (retrieve: 2,000 ids); AllOrNoneHeader rolls back the whole call when one record fails.
 */
import { SfError } from '../errors.js';
import type { Org, WriteOp, WriteResult } from '../data/org.js';
import { normalizeId } from '../data/ids.js';
import { RowState, type Table } from '../data/table.js';
import { MAX_EMPTY_IDS } from '../data/recycle-bin.js';
import { mergeRecords, type MergeResult } from '../data/merge.js';
import { recordJson } from '../rest/records.js';
import { childrenNamed, isNil, type XmlElement } from './xml.js';
import { resultXml, textOf, xmlValue } from './envelope.js';
import { sObjectXml } from './records.js';
import type { SoapCall, SoapContext } from './context.js';

const MAX_RECORDS = 200;
const MAX_RETRIEVE = 2000;

function limit<T>(items: T[], max: number): T[] {
  if (items.length > max)
    throw new SfError('EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${max} records into this call`, 500);
  return items;
}

function allOrNone(ctx: SoapContext): boolean {
  const h = ctx.headers.get('AllOrNoneHeader');
  return !!h && /^(true|1)$/.test((h && textOf(h, 'allOrNone')) ?? '');
}

/** One `<sObjects>` element: its type and field values (fieldsToNull as nulls, booleans as xsd:boolean). */
function readSObject(org: Org, el: XmlElement): { table: Table; id: string | undefined; fields: Record<string, unknown> } {
  const type = textOf(el, 'type');
  if (!type) throw new SfError('INVALID_TYPE', 'Must send a concrete entity type.', 500);
  if (!org.hasObject(type)) throw new SfError('INVALID_TYPE', `sObject type '${type}' is not supported.`, 500);
  const table = org.table(type);
  const fields: Record<string, unknown> = {};
  let id: string | undefined;
  for (const c of el.children) {
    if (c.name === 'type') continue;
    if (c.name === 'fieldsToNull') fields[c.text.trim()] = null;
    else if (c.name.toLowerCase() === 'id') id = c.text.trim() || undefined;
    else if (c.children.length)
      throw new SfError('INVALID_FIELD', `Foreign key external ID references are not supported by the emulator: ${c.name}`, 500, [c.name]);
    else {
      const f = table.field(c.name);
      if (!f)
        throw new SfError(
          'INVALID_FIELD',
          `No such column '${c.name}' on entity '${table.def.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
          500,
        );
      fields[f.name] = isNil(c) ? null : f.type === 'boolean' && (c.text === '1' || c.text === '0') ? c.text === '1' : c.text;
    }
  }
  return { table, id, fields };
}

function sObjects(op: XmlElement): XmlElement[] {
  return limit(childrenNamed(op, 'sObjects'), MAX_RECORDS);
}

function write(ctx: SoapContext, ops: WriteOp[]): WriteResult[] {
  return ctx.org.write(ops, { userId: ctx.userId, allOrNone: allOrNone(ctx), origin: '' });
}

const results = (rs: WriteResult[], withCreated = false): string => rs.map((r) => resultXml(r, withCreated)).join('');

const create: SoapCall = (op, ctx) => {
  const ops: WriteOp[] = sObjects(op).map((el) => {
    const { table, fields } = readSObject(ctx.org, el);
    return { kind: 'create', sobject: table.def.name, fields };
  });
  return results(write(ctx, ops));
};

const update: SoapCall = (op, ctx) => {
  const ops: WriteOp[] = sObjects(op).map((el) => {
    const { id, fields } = readSObject(ctx.org, el);
    return { kind: 'update', id: id ?? '', fields };
  });
  return results(write(ctx, ops));
};

const upsert: SoapCall = (op, ctx) => {
  const key = textOf(op, 'externalIDFieldName') ?? '';
  const ops: WriteOp[] = sObjects(op).map((el) => {
    const { table, id, fields } = readSObject(ctx.org, el);
    const f = table.field(key);
    if (!f || !(f.externalId || f.idLookup))
      throw new SfError('INVALID_FIELD', `Field name provided, ${key} is not an External ID or indexed field for ${table.def.name}`, 500);
    const value = f.name === 'Id' ? id : fields[f.name];
    const row =
      value === undefined || value === null
        ? -1
        : f.name === 'Id'
          ? table.rowOf(normalizeId(value) ?? '')
          : ctx.org.findByUnique(table, f, String(value));
    if (row >= 0 && table.rowState(row) === RowState.Live) {
      delete fields[f.name];
      return { kind: 'update', id: table.idOf(row), fields };
    }
    return { kind: 'create', sobject: table.def.name, fields };
  });
  return results(write(ctx, ops), true);
};

const ids = (op: XmlElement, max = MAX_RECORDS): string[] => limit(childrenNamed(op, 'ids'), max).map((c) => c.text.trim());

const retrieve: SoapCall = (op, ctx) => {
  const type = textOf(op, 'sObjectType') ?? '';
  if (!ctx.org.hasObject(type)) throw new SfError('INVALID_TYPE', `sObject type '${type}' is not supported.`, 500);
  const table = ctx.org.table(type);
  const names = (textOf(op, 'fieldList') ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const fields = names.map((n) => {
    const f = table.field(n);
    if (!f) throw new SfError('INVALID_FIELD', `No such column '${n}' on entity '${table.def.name}'.`, 500);
    return f;
  });
  return ids(op, MAX_RETRIEVE)
    .map((id) => {
      const row = table.rowOf(normalizeId(id) ?? '');
      if (row < 0 || table.rowState(row) !== RowState.Live) return '<result xsi:nil="true"/>';
      return `<result xsi:type="sf:sObject">${sObjectXml(ctx.org, recordJson(ctx.version, table, row, fields))}</result>`;
    })
    .join('');
};

function mergeResultXml(r: MergeResult): string {
  const errors = r.errors.map((e) => ({ message: e.message, statusCode: e.errorCode }));
  return xmlValue('result', {
    errors,
    id: r.id,
    mergedRecordIds: r.mergedRecordIds,
    success: r.success,
    updatedRelatedIds: r.updatedRelatedIds,
  });
}

/** The WSDL names each MergeRequest `request`; jsforce sends `mergeRequests`, which Salesforce takes too. */
const merge: SoapCall = (op, ctx) => {
  const requests = limit([...childrenNamed(op, 'request'), ...childrenNamed(op, 'mergeRequests')], MAX_RECORDS).map((el) => {
    const masterEl = childrenNamed(el, 'masterRecord')[0];
    if (!masterEl) throw new SfError('INVALID_ARGUMENT', 'masterRecord is required', 500);
    const { table, id, fields } = readSObject(ctx.org, masterEl);
    return {
      type: table.def.name,
      masterId: id,
      fields,
      recordToMergeIds: childrenNamed(el, 'recordToMergeIds').map((c) => c.text.trim()),
    };
  });
  return mergeRecords(ctx.org, requests, { userId: ctx.userId }).map(mergeResultXml).join('');
};

export const dataCalls: Record<string, SoapCall> = {
  merge,
  create,
  update,
  upsert,
  retrieve,
  delete: (op, ctx) =>
    results(
      write(
        ctx,
        ids(op).map((id) => ({ kind: 'delete', id })),
      ),
    ),
  undelete: (op, ctx) =>
    results(
      write(
        ctx,
        ids(op).map((id) => ({ kind: 'undelete', id })),
      ),
    ),
  emptyRecycleBin: (op, ctx) => results(ctx.org.recycleBin.empty(ids(op, MAX_EMPTY_IDS))),
};
