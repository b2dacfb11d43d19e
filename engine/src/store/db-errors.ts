import { OrgVaultError, fromSystemError } from '../errors.js';

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
