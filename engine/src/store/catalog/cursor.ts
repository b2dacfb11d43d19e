import { type Pool, type PoolClient, checkin, checkout } from '../../infra/db.js';
import { storeError } from '../db-errors.js';

export interface CursorBatch<T> {
  rows: T[];
  /**
   * The cursor's connection, for further reads in the same snapshot between batches (e.g. the
   * packs the rows point to): a reader never needs a second connection, so many concurrent
   * readers cannot starve the pool into a deadlock.
   */
  client: PoolClient;
}

/**
 * Streams a query's rows in batches through a server-side cursor, in one read-only snapshot, so
 * memory stays bounded whatever the result size. Stopping early (break) closes the cursor.
 */
export async function* cursorBatches<T>(
  pool: Pool,
  sql: string,
  params: unknown[],
  batchSize = 5000,
  /** Runs in the cursor's snapshot before the first row, e.g. to verify what the query reads. */
  prepare?: (client: PoolClient) => Promise<void>,
): AsyncGenerator<CursorBatch<T>> {
  const client = await checkout(pool).catch((err: unknown) => {
    throw storeError(err, 'Reading the catalog');
  });
  let done = false;
  let failure: unknown;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await prepare?.(client);
    await client.query(`DECLARE store_cursor NO SCROLL CURSOR FOR ${sql}`, params);
    for (;;) {
      const { rows } = await client.query(`FETCH ${batchSize} FROM store_cursor`);
      if (rows.length === 0) break;
      yield { rows: rows as T[], client };
    }
    await client.query('COMMIT');
    done = true;
  } catch (err) {
    failure = err;
    throw storeError(err, 'Reading the catalog');
  } finally {
    if (!done) await client.query('ROLLBACK').catch(() => undefined);
    checkin(client, failure);
  }
}
