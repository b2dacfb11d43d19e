import pg from 'pg';
import { OrgVaultError } from '../errors.js';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** A pool or a client inside a transaction: what a service needs to run its SQL. */
export type Queryable = Pick<pg.Pool, 'query'>;

/**
 * One pool per process. Every connection's search_path is the OrgVault schema, so SQL names
 * tables without a schema and tests can run each suite in a schema of its own.
 */
export function createPool(url: string, schema: string, max = 20): Pool {
  const pool = new pg.Pool({ connectionString: url, max, options: `-c search_path=${schema},public` });
  // An idle client that loses its server must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

export async function assertReachable(pool: Pool): Promise<void> {
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    throw new OrgVaultError('DATABASE_UNAVAILABLE', `PostgreSQL cannot be reached: ${(err as Error).message}`, {
      actions: ['Check DATABASE_URL (or unset it to use embedded PostgreSQL).'],
      cause: err,
    });
  }
}

/**
 * A pooled client for several statements. A connection lost while checked out surfaces as the
 * failing query's error; the client's own 'error' event must not crash the process.
 */
export async function checkout(pool: Pool): Promise<PoolClient> {
  const client = await pool.connect();
  client.on('error', ignore);
  return client;
}

/** Returns a client from checkout(); with the error, if any, so the pool discards a broken connection. */
export function checkin(client: PoolClient, err?: unknown): void {
  client.off('error', ignore);
  client.release(err instanceof Error ? err : undefined);
}

function ignore(): void {}

/** Runs fn in a transaction; rolls back on any error. */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await checkout(pool);
  let failure: unknown;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    failure = err;
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    checkin(client, failure);
  }
}
