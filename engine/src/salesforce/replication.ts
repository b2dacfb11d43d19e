import { OrgVaultError } from '../errors.js';
import type { OrgConnection } from './connection.js';

/** getUpdated answers for the last 30 days, getDeleted for the last 15 (the recycle bin's span). */
export const GET_UPDATED_WINDOW_DAYS = 30;
export const GET_DELETED_WINDOW_DAYS = 15;

export interface UpdatedResult {
  ids: string[];
  /** Use as the next start: changes up to here are covered. */
  latestDateCovered: string;
}

export interface DeletedRecord {
  id: string;
  deletedDate: string;
}

export interface DeletedResult {
  deletedRecords: DeletedRecord[];
  earliestDateAvailable: string;
  /** Use as the next start: deletes up to here are covered. */
  latestDateCovered: string;
}

/** Salesforce ignores seconds in these windows; it wants `yyyy-MM-ddTHH:mm:ss+00:00`. */
export function replicationDate(d: Date): string {
  return `${d.toISOString().slice(0, 19)}+00:00`;
}

/** The earliest start Salesforce accepts for the kind of call, as of `now`. */
export function windowStart(kind: 'updated' | 'deleted', now = new Date()): Date {
  const days = kind === 'updated' ? GET_UPDATED_WINDOW_DAYS : GET_DELETED_WINDOW_DAYS;
  return new Date(now.getTime() - days * 86_400_000);
}

function replicationCall<T>(conn: OrgConnection, kind: 'updated' | 'deleted', sobject: string, start: Date, end: Date): Promise<T> {
  return conn.http.json<T>({
    path: `sobjects/${encodeURIComponent(sobject)}/${kind}/`,
    query: { start: replicationDate(start), end: replicationDate(end) },
    what: `get${kind === 'updated' ? 'Updated' : 'Deleted'} ${sobject}`,
  });
}

const MINUTE = 60_000;

/**
 * Ids of records created or changed (by SystemModstamp) in [start, end]. A window with more than
 * 600,000 ids (EXCEEDED_ID_LIMIT) is split in halves until each half fits.
 */
export async function getUpdated(conn: OrgConnection, sobject: string, start: Date, end: Date): Promise<UpdatedResult> {
  try {
    return await replicationCall<UpdatedResult>(conn, 'updated', sobject, start, end);
  } catch (err) {
    const span = end.getTime() - start.getTime();
    if (!OrgVaultError.is(err, 'ORG_API_ERROR') || err.details?.errorCode !== 'EXCEEDED_ID_LIMIT' || span < 2 * MINUTE) throw err;
    const mid = new Date(start.getTime() + Math.floor(span / 2 / MINUTE) * MINUTE);
    const first = await getUpdated(conn, sobject, start, mid);
    const second = await getUpdated(conn, sobject, mid, end);
    return { ids: [...new Set([...first.ids, ...second.ids])], latestDateCovered: second.latestDateCovered };
  }
}

/** Records deleted in [start, end] (soft deletes still in the recycle bin, and hard deletes). */
export function getDeleted(conn: OrgConnection, sobject: string, start: Date, end: Date): Promise<DeletedResult> {
  return replicationCall<DeletedResult>(conn, 'deleted', sobject, start, end);
}
