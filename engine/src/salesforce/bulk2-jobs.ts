import { setTimeout as sleep } from 'node:timers/promises';
import { OrgVaultError } from '../errors.js';
import type { OrgConnection } from './connection.js';

export type BulkJobKind = 'query' | 'ingest';
export type BulkJobState = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

/** The fields of Bulk 2.0 job info we use; Salesforce sends more. */
export interface BulkJobInfo {
  id: string;
  object: string;
  operation: string;
  state: BulkJobState;
  jobType?: string;
  numberRecordsProcessed?: number;
  numberRecordsFailed?: number;
  errorMessage?: string;
  retries?: number;
  totalProcessingTime?: number;
}

export interface PollOptions {
  /** Wait before the first check (a caller that knows about how long the job takes); default none. */
  firstCheckMs?: number;
  /** First wait between two state checks; grows by `factor` up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  factor?: number;
  /** Gives up (ORG_API_ERROR, transient) after this long; default none. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export function jobPath(kind: BulkJobKind, jobId: string): string {
  return `jobs/${kind}/${encodeURIComponent(jobId)}`;
}

export function getBulkJob(conn: OrgConnection, kind: BulkJobKind, jobId: string, signal?: AbortSignal): Promise<BulkJobInfo> {
  return conn.http.json<BulkJobInfo>({ path: jobPath(kind, jobId), what: `Bulk ${kind} job ${jobId}`, ...(signal ? { signal } : {}) });
}

/** Polls with growing pauses until the job is JobComplete; Failed and Aborted become errors. */
export async function waitForBulkJob(conn: OrgConnection, kind: BulkJobKind, jobId: string, poll: PollOptions = {}): Promise<BulkJobInfo> {
  const started = Date.now();
  let delay = poll.initialDelayMs ?? 500;
  if (poll.firstCheckMs) await sleep(poll.firstCheckMs, undefined, poll.signal ? { signal: poll.signal } : undefined);
  for (;;) {
    const info = await getBulkJob(conn, kind, jobId, poll.signal);
    if (info.state === 'JobComplete') return info;
    if (info.state === 'Failed' || info.state === 'Aborted') {
      throw new OrgVaultError(
        'ORG_API_ERROR',
        `Bulk ${kind} job ${jobId} ended ${info.state}${info.errorMessage ? `: ${info.errorMessage}` : ''}`,
        {
          details: { errorCode: `BULK_JOB_${info.state.toUpperCase()}`, jobId, transient: false },
        },
      );
    }
    if (poll.timeoutMs !== undefined && Date.now() - started > poll.timeoutMs) {
      throw new OrgVaultError('ORG_API_ERROR', `Bulk ${kind} job ${jobId} still ${info.state} after ${poll.timeoutMs} ms`, {
        details: { errorCode: 'BULK_JOB_TIMEOUT', jobId, transient: true },
      });
    }
    await sleep(delay, undefined, poll.signal ? { signal: poll.signal } : undefined);
    delay = Math.min(poll.maxDelayMs ?? 10_000, delay * (poll.factor ?? 1.5));
  }
}

export async function abortBulkJob(conn: OrgConnection, kind: BulkJobKind, jobId: string): Promise<BulkJobInfo> {
  return conn.http.json<BulkJobInfo>({ method: 'PATCH', path: jobPath(kind, jobId), json: { state: 'Aborted' }, idempotent: true });
}

export async function deleteBulkJob(conn: OrgConnection, kind: BulkJobKind, jobId: string): Promise<void> {
  await conn.http.json<void>({ method: 'DELETE', path: jobPath(kind, jobId) });
}

/** True when a job or locator a checkpoint names is gone (Salesforce deletes jobs 7 days after they end). */
export function isBulkJobGone(err: unknown): boolean {
  return OrgVaultError.is(err, 'ORG_API_ERROR') && (err.details?.status === 404 || err.details?.errorCode === 'NOT_FOUND');
}

/**
 * True when Bulk API refused the object itself (`INVALIDENTITY: Entity 'X' is not supported by
 * the Bulk API`), at job creation or as the failed job's message: read the object by REST instead.
 */
export function isBulkUnsupportedObject(err: unknown): boolean {
  if (!OrgVaultError.is(err, 'ORG_API_ERROR')) return false;
  return err.details?.errorCode === 'INVALIDENTITY' || /not supported by the Bulk API/i.test(err.message);
}
