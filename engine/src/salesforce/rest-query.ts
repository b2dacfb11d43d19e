import { OrgVaultError } from '../errors.js';
import type { OrgConnection } from './connection.js';

/** A record as REST query returns it: fields, nested parent objects, and `attributes`. */
export type SObjectRecord = Record<string, unknown> & { attributes?: { type: string; url?: string } };

export interface RestQueryPage<R = SObjectRecord> {
  records: R[];
  totalSize: number;
  /** The nextRecordsUrl this page was fetched with (null for the first page). */
  locator: string | null;
  /** Where the next page is, or null after the last page. */
  nextRecordsUrl: string | null;
}

export interface RestQueryOptions {
  /** queryAll: include soft-deleted (IsDeleted) and archived rows. */
  all?: boolean;
  /** Sforce-Query-Options batchSize, 200–2000 (a hint; Salesforce may send fewer). */
  batchSize?: number;
  /** Continue from a checkpointed nextRecordsUrl instead of running the query again. */
  fromNextRecordsUrl?: string;
  /**
   * A checkpointed nextRecordsUrl the org no longer knows (query locators expire after 15 minutes
   * unused) runs the query again from its first page, once, after telling this: for callers that
   * recognise the rows they already have.
   */
  onLostLocator?: () => void | Promise<void>;
  signal?: AbortSignal;
}

interface QueryResponse<R> {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: R[];
}

/**
 * Yields the pages of a REST query or queryAll. Next pages follow nextRecordsUrl exactly as
 * Salesforce gave it: rebuilding `.../query/{locator}` (as jsforce does) would lose queryAll.
 */
export async function* restQuery<R = SObjectRecord>(
  conn: OrgConnection,
  soql: string,
  options: RestQueryOptions = {},
): AsyncGenerator<RestQueryPage<R>> {
  const headers = options.batchSize ? { 'Sforce-Query-Options': `batchSize=${options.batchSize}` } : undefined;
  let locator: string | null = options.fromNextRecordsUrl ?? null;
  let resumed = locator !== null && options.onLostLocator !== undefined;
  for (;;) {
    let res: QueryResponse<R>;
    try {
      res = await conn.http.json<QueryResponse<R>>({
        ...(locator === null ? { path: options.all ? 'queryAll' : 'query', query: { q: soql } } : { path: locator }),
        ...(headers ? { headers } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        what: options.all ? 'queryAll' : 'query',
      });
    } catch (err) {
      if (!resumed || !isLostLocator(err)) throw err;
      resumed = false;
      locator = null;
      await options.onLostLocator?.();
      continue;
    }
    resumed = false;
    const next = res.done || !res.nextRecordsUrl ? null : res.nextRecordsUrl;
    yield { records: res.records, totalSize: res.totalSize, locator, nextRecordsUrl: next };
    if (next === null) return;
    locator = next;
  }
}

function isLostLocator(err: unknown): boolean {
  return OrgVaultError.is(err, 'ORG_API_ERROR') && (err.details?.errorCode === 'INVALID_QUERY_LOCATOR' || err.details?.status === 404);
}

/** Every record of a (small) query, gathered in memory. */
export async function queryRecords<R = SObjectRecord>(conn: OrgConnection, soql: string, options: RestQueryOptions = {}): Promise<R[]> {
  const out: R[] = [];
  for await (const page of restQuery<R>(conn, soql, options)) out.push(...page.records);
  return out;
}
