import { parse } from 'csv-parse/sync';
import { OrgVaultError } from '../errors.js';
import type { OrgConnection } from './connection.js';
import { jobPath, waitForBulkJob, type BulkJobInfo, type PollOptions } from './bulk2-jobs.js';

export type IngestOperation = 'insert' | 'update' | 'upsert' | 'delete' | 'hardDelete';

/** Salesforce takes up to 150 MB per upload and advises 100 MB before its base64 growth. */
export const MAX_UPLOAD_BYTES = 100 * 1024 * 1024;

export interface IngestRequest {
  object: string;
  operation: IngestOperation;
  /** Required for upsert. */
  externalIdFieldName?: string;
  /** CSV with a header line of field names, comma-delimited, LF line endings; `#N/A` sets a field to null. */
  csv: string | Buffer;
  poll?: PollOptions;
  /**
   * Told the job's id once it exists, before any data is uploaded: a caller that must survive a
   * crash keeps it, so it can read the job's results later instead of sending the rows again.
   */
  onOpen?: (jobId: string) => Promise<void>;
}

/** One row of a result file: `sf__Id`, `sf__Created` or `sf__Error`, then the uploaded columns. */
export type IngestResultRow = Record<string, string>;

export interface IngestResult {
  job: BulkJobInfo;
  successful: IngestResultRow[];
  failed: IngestResultRow[];
  unprocessed: IngestResultRow[];
}

async function resultRows(conn: OrgConnection, jobId: string, file: string): Promise<IngestResultRow[]> {
  const text = await conn.http.call({ path: `${jobPath('ingest', jobId)}/${file}`, headers: { Accept: 'text/csv' } }, (res) => res.text());
  return parse(text, { columns: true, skip_empty_lines: true, relax_column_count: true }) as IngestResultRow[];
}

/**
 * The per-record results of an ingest job that has ended. A job that completed processed every
 * row, so its unprocessed file is empty and is not read; the failed file is read only when the job
 * counts failures (Salesforce's count, where it gives one).
 */
export async function ingestResults(conn: OrgConnection, job: BulkJobInfo): Promise<IngestResult> {
  const complete = job.state === 'JobComplete';
  const [successful, failed, unprocessed] = await Promise.all([
    resultRows(conn, job.id, 'successfulResults/'),
    complete && job.numberRecordsFailed === 0 ? [] : resultRows(conn, job.id, 'failedResults/'),
    complete ? [] : resultRows(conn, job.id, 'unprocessedrecords/'),
  ]);
  return { job, successful, failed, unprocessed };
}

/** Creates an ingest job, uploads the CSV, closes it, waits, and reads the per-record results. */
export async function runIngestJob(conn: OrgConnection, req: IngestRequest): Promise<IngestResult> {
  const size = Buffer.byteLength(req.csv);
  if (size > MAX_UPLOAD_BYTES) {
    throw new OrgVaultError(
      'VALIDATION_FAILED',
      `Bulk ingest upload of ${size} bytes is over ${MAX_UPLOAD_BYTES}: split it into several jobs`,
    );
  }
  const created = await conn.http.json<BulkJobInfo>({
    method: 'POST',
    path: 'jobs/ingest',
    json: {
      object: req.object,
      operation: req.operation,
      ...(req.externalIdFieldName ? { externalIdFieldName: req.externalIdFieldName } : {}),
      contentType: 'CSV',
      columnDelimiter: 'COMMA',
      lineEnding: 'LF',
    },
    what: `create Bulk ingest job (${req.operation} ${req.object})`,
  });
  const path = jobPath('ingest', created.id);
  await req.onOpen?.(created.id);
  await conn.http.call(
    {
      method: 'PUT',
      path: `${path}/batches`,
      body: req.csv,
      headers: { 'Content-Type': 'text/csv' },
      what: `upload to Bulk ingest job ${created.id}`,
    },
    async (res) => void (await res.arrayBuffer()),
  );
  const closed = await conn.http.json<BulkJobInfo>({
    method: 'PATCH',
    path,
    json: { state: 'UploadComplete' },
    idempotent: true,
    what: `close Bulk ingest job ${created.id}`,
  });
  return ingestResults(conn, await waitForBulkJob(conn, 'ingest', created.id, req.poll, closed));
}
