import type { OrgConnection } from './connection.js';
import type { ObjectScope } from './scope.js';
import { restQuery, type RestQueryOptions, type SObjectRecord } from './rest-query.js';

/** A page of rows in Bulk 2.0's CSV dialect, whichever API read it. */
export interface CsvPage {
  /** What fetched this page (a Bulk locator or a REST nextRecordsUrl); null for the first page. */
  locator: string | null;
  /** Where the next page is; null after the last. Checkpoint this after storing the page. */
  nextLocator: string | null;
  /** Header line of field names, then one line per record. */
  csv: Buffer;
  records: number;
}

const REST_DATETIME = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)\+0000$/;

function cell(value: unknown, type: string | undefined): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  // REST writes datetimes as ...+0000, Bulk as ...Z: one form keeps versions from both comparable.
  if (type === 'datetime') text = text.replace(REST_DATETIME, '$1Z');
  return `"${text.replace(/"/g, '""')}"`;
}

/** Records (as REST returns them) to CSV lines in `fields` order: every value quoted, null as an empty field. */
export function recordsToCsv(fields: readonly string[], types: Record<string, string>, records: readonly SObjectRecord[]): Buffer {
  const lines = [fields.map((f) => `"${f}"`).join(',')];
  for (const r of records) lines.push(fields.map((f) => cell(r[f], types[f])).join(','));
  return Buffer.from(`${lines.join('\n')}\n`);
}

/**
 * Reads an object that Bulk 2.0 cannot query through REST, page by page, in the same CSV dialect
 * as Bulk pages, so the caller stores both alike. Resume with `fromNextRecordsUrl` = the
 * checkpointed nextLocator (Salesforce keeps query cursors for a limited time only, about 15
 * minutes idle: a stale one fails and the object must be read again).
 */
export async function* restCsvPages(
  conn: OrgConnection,
  scope: Pick<ObjectScope, 'fields' | 'fieldTypes'>,
  soql: string,
  options: RestQueryOptions = {},
): AsyncGenerator<CsvPage> {
  for await (const page of restQuery(conn, soql, options)) {
    yield {
      locator: page.locator,
      nextLocator: page.nextRecordsUrl,
      csv: recordsToCsv(scope.fields, scope.fieldTypes, page.records),
      records: page.records.length,
    };
  }
}
