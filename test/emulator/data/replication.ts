/**
 * getUpdated / getDeleted, shared by REST and the partner SOAP API: ids changed (by
 * SystemModstamp) or deleted in a window. Seconds are ignored; getUpdated reaches 30 days back
 * and getDeleted 15; more than the id limit (600,000) answers EXCEEDED_ID_LIMIT.
 */
import { SfError } from '../errors.js';
import type { Org } from './org.js';
import { RowState, type Table } from './table.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
export const UPDATED_DAYS = 30;
export const DELETED_DAYS = 15;

const toMinute = (ms: number): number => Math.floor(ms / MINUTE) * MINUTE;

export interface Window {
  start: number;
  end: number;
}

/** The table of a replicable object; INVALID_TYPE otherwise. */
export function replicable(org: Org, sobject: string): Table {
  const table = org.table(sobject);
  if (!table.def.replicateable) throw new SfError('INVALID_TYPE', `Entity ${table.def.name} is not replicable`, 400);
  return table;
}

/** start and end (epoch ms, null when missing or not a dateTime) checked as Salesforce checks them; end capped at now. */
export function replicationWindow(org: Org, start: number | null, end: number | null, days: number): Window {
  const missing = (name: string) =>
    new SfError('MALFORMED_QUERY', `${name} is required and must be a dateTime, e.g. 2024-01-01T00:00:00Z`, 400);
  if (start === null) throw missing('start');
  if (end === null) throw missing('end');
  const [s, e] = [toMinute(start), toMinute(end)];
  const now = org.now();
  if (s < toMinute(now - days * DAY)) throw new SfError('INVALID_REPLICATION_DATE', `startDate cannot be more than ${days} days ago`, 400);
  if (e <= s) throw new SfError('INVALID_REPLICATION_DATE', 'EndDate must chronologically follow the StartDate', 400);
  return { start: s, end: Math.min(e, toMinute(now)) };
}

const tooMany = (org: Org) => new SfError('EXCEEDED_ID_LIMIT', `ID limit exceeded: ${org.replicationIdLimit}`, 400);

/** Live records whose SystemModstamp falls in the window. */
export function updatedIds(org: Org, table: Table, w: Window): string[] {
  const stamp = table.getter(table.field('SystemModstamp')!);
  const ids: string[] = [];
  for (let r = 0; r < table.size; r++) {
    if (table.rowState(r) !== RowState.Live) continue;
    const t = stamp(r) as number;
    if (t >= w.start && t < w.end) ids.push(table.idOf(r));
    if (ids.length > org.replicationIdLimit) throw tooMany(org);
  }
  return ids;
}

/** Records deleted in the window (hard deleted ones too, while the window reaches them). */
export function deletedRecords(org: Org, table: Table, w: Window): Array<{ id: string; deletedDate: number }> {
  const out: Array<{ id: string; deletedDate: number }> = [];
  for (const [r, t] of table.deletedAt) {
    if (t < w.start || t >= w.end || table.rowState(r) === RowState.Live) continue;
    out.push({ id: table.idOf(r), deletedDate: t });
    if (out.length > org.replicationIdLimit) throw tooMany(org);
  }
  return out;
}

/** The earliest start getDeleted accepts now. */
export function earliestDeletedDate(org: Org): number {
  return toMinute(org.now() - DELETED_DAYS * DAY);
}
