/**
 * The record reads restore and compare make: by id (IN-lists batched to the request-line and SOQL
 * limits, see content-links.ts), in the Recycle Bin by id, every record of an object, and the
 * records a user created since a time. Ids and values are quoted as SOQL literals; object and field names come from describe.
 */
import type { OrgConnection } from './connection.js';
import { inListBatches } from './content-links.js';
import { queryRecords, type RestQueryOptions, type SObjectRecord } from './rest-query.js';
import { selectFrom, soqlDateTime, soqlQuote } from './scope.js';

const withId = (fields: readonly string[]): string[] => ['Id', ...fields.filter((f) => f !== 'Id')];

/** The records of `object` among these ids (Id and `fields`), one query per batch of ids; `all` takes deleted ones too. */
export async function recordsByIds(
  conn: OrgConnection,
  object: string,
  fields: readonly string[],
  ids: readonly string[],
  options: RestQueryOptions = {},
): Promise<SObjectRecord[]> {
  const out: SObjectRecord[] = [];
  for (const soql of inListBatches(`${selectFrom(object, withId(fields))} WHERE Id IN (`, ids))
    out.push(...(await queryRecords(conn, soql, options)));
  return out;
}

/**
 * Of these ids, the records of `object` in the org's Recycle Bin (queryAll, `IsDeleted = true`),
 * with Id and `fields` as they are there: those an undelete can bring back. Hard-deleted and
 * purged ones are not there.
 */
export async function binnedRecords(
  conn: OrgConnection,
  object: string,
  fields: readonly string[],
  ids: readonly string[],
): Promise<SObjectRecord[]> {
  const out: SObjectRecord[] = [];
  for (const soql of inListBatches(`${selectFrom(object, withId(fields))} WHERE Id IN (`, ids, ') AND IsDeleted = true'))
    out.push(...(await queryRecords(conn, soql, { all: true })));
  return out;
}

/** How many queries recordsByIds or binnedRecords makes for these ids (for estimating a plan's calls). */
export function idQueries(object: string, fields: readonly string[], ids: readonly string[]): number {
  return ids.length ? inListBatches(`${selectFrom(object, withId(fields))} WHERE Id IN (`, ids, ') AND IsDeleted = true').length : 0;
}

/** Every live record of `object` (Id and `fields`). */
export function allRecords(conn: OrgConnection, object: string, fields: readonly string[]): Promise<SObjectRecord[]> {
  return queryRecords(conn, selectFrom(object, withId(fields)));
}

/** The records of `object` that `userId` created at or after `since` (Id and `fields`). */
export function recordsCreatedSince(
  conn: OrgConnection,
  object: string,
  fields: readonly string[],
  userId: string,
  since: Date,
): Promise<SObjectRecord[]> {
  const where = `CreatedById = ${soqlQuote(userId)} AND CreatedDate >= ${soqlDateTime(since)}`;
  return queryRecords(conn, selectFrom(object, withId(fields), where));
}
