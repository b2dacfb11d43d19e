import type { OrgConnection } from './connection.js';

export type CollectionOperation = 'create' | 'update' | 'upsert' | 'delete';

/** sObject collections take at most 200 records per call. */
export const COLLECTION_SIZE = 200;

export interface SaveError {
  statusCode: string;
  message: string;
  fields: string[];
}

/** The outcome for one record, in the order the records were given. */
export interface SaveResult {
  id: string | null;
  success: boolean;
  /** upsert: whether the record was created (rather than updated). */
  created?: boolean;
  errors: SaveError[];
}

export interface CollectionOptions {
  /** upsert: the external id field matched on. */
  externalIdField?: string;
  /** Roll every record of a call back when one fails (default false: each record stands alone). */
  allOrNone?: boolean;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Writes records through sObject collections, 200 per call, and returns one result per record.
 * `delete` takes record ids; the others take field maps (update needs Id; upsert the external id
 * field). Create is never retried after a failure whose outcome is unknown (it could duplicate
 * records); the others are repeatable and are retried on transient failures.
 */
export async function saveCollection(
  conn: OrgConnection,
  operation: CollectionOperation,
  sobject: string,
  records: readonly Record<string, unknown>[] | readonly string[],
  options: CollectionOptions = {},
): Promise<SaveResult[]> {
  const allOrNone = options.allOrNone ?? false;
  const results: SaveResult[] = [];
  for (const chunk of chunks<Record<string, unknown> | string>(records, COLLECTION_SIZE)) {
    const what = `${operation} ${chunk.length} ${sobject}`;
    const body = { allOrNone, records: (chunk as Record<string, unknown>[]).map((r) => ({ attributes: { type: sobject }, ...r })) };
    let page: SaveResult[];
    switch (operation) {
      case 'create':
        page = await conn.http.json<SaveResult[]>({ method: 'POST', path: 'composite/sobjects', json: body, what });
        break;
      case 'update':
        page = await conn.http.json<SaveResult[]>({ method: 'PATCH', path: 'composite/sobjects', json: body, idempotent: true, what });
        break;
      case 'upsert':
        page = await conn.http.json<SaveResult[]>({
          method: 'PATCH',
          path: `composite/sobjects/${encodeURIComponent(sobject)}/${encodeURIComponent(options.externalIdField ?? 'Id')}`,
          json: body,
          idempotent: true,
          what,
        });
        break;
      case 'delete':
        page = await conn.http.json<SaveResult[]>({
          method: 'DELETE',
          path: 'composite/sobjects',
          query: { ids: (chunk as string[]).join(','), allOrNone },
          what,
        });
        break;
    }
    results.push(...page.map((r) => ({ ...r, errors: r.errors ?? [] })));
  }
  return results;
}
