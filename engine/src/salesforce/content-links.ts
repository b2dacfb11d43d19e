/**
 * ContentDocumentLink is not replicateable, and Salesforce answers a query on it only with a filter
 * on ContentDocumentId or LinkedEntityId (`=` one id, or `IN` several): "Implementation
 * restriction: ContentDocumentLink requires a filter by a single Id ...". So links are read by
 * REST query in batches of document (or entity) ids.
 *
 * A batch is as large as the request line allows: Salesforce takes at most 16,384 bytes of URI and
 * headers together (431 beyond, knowledge article 000386264), and a SOQL statement at most 100,000
 * characters. An id costs 27 bytes of query string once quoted and URL-encoded, so ~440 ids fit in
 * the 12,000 bytes we allow the `q` parameter, leaving room for the path and the headers.
 */
import type { OrgConnection } from './connection.js';
import { restQuery, type SObjectRecord } from './rest-query.js';
import { selectFrom, soqlDateTime, soqlQuote } from './scope.js';

export const LINK_QUERY_PARAM_BYTES = 12_000;
const MAX_SOQL_CHARS = 100_000;

/** Splits ids into IN-lists whose whole URL-encoded query parameter stays within `maxBytes`. */
export function inListBatches(prefix: string, ids: readonly string[], suffix = ')', maxBytes = LINK_QUERY_PARAM_BYTES): string[] {
  // "q=" and the encoded fixed text count once per query; each further id its quoted, encoded self.
  const encodedLength = (s: string): number => new URLSearchParams({ q: s }).toString().length - 2;
  const fixedBytes = encodedLength(prefix + suffix) + 2;
  const fixedChars = prefix.length + suffix.length;
  const out: string[] = [];
  let batch: string[] = [];
  let bytes = fixedBytes;
  let chars = fixedChars;
  for (const id of ids) {
    const quoted = soqlQuote(id);
    if (batch.length && (bytes + encodedLength(`,${quoted}`) > maxBytes || chars + quoted.length + 1 > MAX_SOQL_CHARS)) {
      out.push(prefix + batch.join(',') + suffix);
      batch = [];
      bytes = fixedBytes;
      chars = fixedChars;
    }
    const piece = batch.length ? `,${quoted}` : quoted;
    bytes += encodedLength(piece);
    chars += piece.length;
    batch.push(quoted);
  }
  if (batch.length) out.push(prefix + batch.join(',') + suffix);
  return out;
}

export type LinkFilter = 'ContentDocumentId' | 'LinkedEntityId';

/** The links of the given documents (or entities), a page of records at a time. */
export async function* queryLinks(
  conn: OrgConnection,
  fields: readonly string[],
  by: LinkFilter,
  ids: readonly string[],
  maxBytes = LINK_QUERY_PARAM_BYTES,
): AsyncGenerator<SObjectRecord[]> {
  const prefix = `SELECT ${fields.join(', ')} FROM ContentDocumentLink WHERE ${by} IN (`;
  for (const soql of inListBatches(prefix, ids, ')', maxBytes)) {
    for await (const page of restQuery(conn, soql, { batchSize: 2000 })) if (page.records.length) yield page.records;
  }
}

/**
 * The documents changed at or after `since`, and those whose versions did (sharing a file is
 * reported to touch its ContentVersion, its update trigger fires, rather than the ContentDocument);
 * deleted ones included.
 */
export async function documentsChangedSince(conn: OrgConnection, since: Date): Promise<Set<string>> {
  const where = `SystemModstamp >= ${soqlDateTime(since)}`;
  const changed = new Set<string>();
  for (const [object, field] of [
    ['ContentDocument', 'Id'],
    ['ContentVersion', 'ContentDocumentId'],
  ] as const)
    for await (const page of restQuery(conn, selectFrom(object, [field], where), { all: true, batchSize: 2000 }))
      for (const r of page.records) changed.add(String(r[field]));
  return changed;
}
