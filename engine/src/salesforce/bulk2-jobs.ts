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

/**
 * First wait 100 ms, then twice as long each time up to 10 s: a small job (an incremental's few
 * changes) is seen complete by its first check, and a long one costs about as many checks as a
 * gentler start would (a 60 s job: 12). Measured in bench/backup.ts.
 */
export const DEFAULT_POLL = { initialDelayMs: 100, factor: 2, maxDelayMs: 10_000 } as const;

const ENDED_STATES: ReadonlySet<BulkJobState> = new Set(['JobComplete', 'Failed', 'Aborted']);

/**
 * Waits until the job is JobComplete; Failed and Aborted become errors. Given the job's info as
 * last seen (e.g. the create answer), it pauses before the first check instead of asking at once
 * what it was just told.
 */
export async function waitForBulkJob(
  conn: OrgConnection,
  kind: BulkJobKind,
  jobId: string,
  poll: PollOptions = {},
  lastSeen?: BulkJobInfo,
): Promise<BulkJobInfo> {
  const started = Date.now();
  let delay = poll.initialDelayMs ?? DEFAULT_POLL.initialDelayMs;
  let info = lastSeen;
  // A caller that knows about how long the job takes waits that long before its first check.
  if (poll.firstCheckMs && !(info && ENDED_STATES.has(info.state))) {
    await sleep(poll.firstCheckMs, undefined, poll.signal ? { signal: poll.signal } : undefined);
    info = undefined;
  }
  for (;;) {
    if (info) {
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
      delay = Math.min(poll.maxDelayMs ?? DEFAULT_POLL.maxDelayMs, delay * (poll.factor ?? DEFAULT_POLL.factor));
    }
    info = await getBulkJob(conn, kind, jobId, poll.signal);
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
