import { OrgVaultError, fromSystemError } from '../errors.js';
import type { Pool, PoolClient } from '../infra/db.js';

/**
 * Store failures users can act on keep their meaning: a full disk under PostgreSQL, data
 * PostgreSQL rejects, a lost connection. Anything else is INTERNAL with the context named.
 */
export function storeError(err: unknown, context: string): OrgVaultError {
  if (err instanceof OrgVaultError) return err;
  if (typeof (err as { statusCode?: unknown }).statusCode === 'number') {
    return new OrgVaultError('STORAGE_UNAVAILABLE', `${context}: blob storage answered ${(err as Error).message}`, { cause: err });
  }
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code === '53100') {
      return new OrgVaultError('DISK_FULL', `${context}: PostgreSQL has no space left`, {
        actions: ['Free disk space under the database; nothing already stored was changed, the job retries the batch.'],
        cause: err,
      });
    }
    if (code.startsWith('22')) {
      return new OrgVaultError('MALFORMED_DATA', `${context}: PostgreSQL rejected a value (${(err as Error).message})`, { cause: err });
    }
    if (code.startsWith('08') || code === '57P01' || code === 'ECONNREFUSED' || code === 'ECONNRESET') {
      return new OrgVaultError('DATABASE_UNAVAILABLE', `${context}: ${(err as Error).message}`, { cause: err });
    }
    if (code.startsWith('E')) return fromSystemError(err, context);
  }
  if (err instanceof Error && /Connection terminated|connection timeout|Client has encountered a connection error/i.test(err.message)) {
    return new OrgVaultError('DATABASE_UNAVAILABLE', `${context}: ${err.message}`, { cause: err });
  }
  return new OrgVaultError('INTERNAL', `${context}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}

/**
 * A pooled client for a transaction. A connection lost while checked out surfaces as the failing
 * query's error; the client's own 'error' event must not crash the process. Release with the error,
 * if any, so the pool discards a broken connection.
 */
export async function connect(pool: Pool, context: string): Promise<PoolClient> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw storeError(err, context);
  }
  client.on('error', ignore);
  return client;
}

export function release(client: PoolClient, err?: unknown): void {
  client.off('error', ignore);
  client.release(err instanceof Error ? err : undefined);
}

function ignore(): void {}

/** Runs fn in a transaction on a guarded client; any failure rolls back and becomes an OrgVaultError. */
export async function storeTransaction<T>(pool: Pool, context: string, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await connect(pool, context);
  let failure: unknown;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    failure = err;
    await client.query('ROLLBACK').catch(() => undefined);
    throw storeError(err, context);
  } finally {
    release(client, failure);
  }
}
