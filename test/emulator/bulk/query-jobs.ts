/**
 * Bulk API 2.0 query jobs: /jobs/query. The query runs when the job is created (so its rows are
 * fixed from then on: later changes in the org never shift result pages); the job then moves
 * UploadComplete → InProgress → JobComplete in the background, or ends Failed when the fault
 * flag says so. Results are paged by opaque locators (base64 of the offset, as Salesforce's
 * look) that stay valid until the job is deleted; the last page says `Sforce-Locator: null`.
 */
import { Router, type Request, type Response } from 'express';
import type { Org } from '../data/org.js';
import { SfError } from '../errors.js';
import { executeSoql, type QueryResult } from '../soql/execute.js';
import { csvHeader, csvRowWriter } from '../soql/csv.js';
import { csvLayout } from './csv-format.js';
import { csvResponse } from './csv-response.js';
import {
  abort,
  baseInfo,
  csvOptions,
  enumProp,
  jsonBody,
  sinceVersion,
  layoutInfo,
  progressInfo,
  type BulkJobs,
  type Job,
} from './jobs.js';
import { checkBulkResult, checkBulkSoql } from './query-rules.js';

interface QueryJob extends Job {
  kind: 'query';
  query: string;
  result: QueryResult;
}

/** Rows per page when the client gives no maxRecords (Salesforce sizes pages by bytes). */
const DEFAULT_PAGE_RECORDS = 100_000;
/** Rows formatted per written chunk: about 100-800 KB of CSV. */
const CHUNK_ROWS = 1000;

export function encodeLocator(offset: number): string {
  return Buffer.from(String(offset)).toString('base64url');
}

function decodeLocator(locator: string, total: number): number {
  const text = Buffer.from(locator, 'base64url').toString();
  const offset = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(offset >= 0 && offset < total) || encodeLocator(offset) !== locator)
    throw new SfError('INVALID_QUERY_LOCATOR', `Invalid locator: ${locator}`, 400);
  return offset;
}

function maxRecordsOf(req: Request): number {
  const raw = req.query.maxRecords;
  if (raw === undefined || raw === '') return DEFAULT_PAGE_RECORDS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new SfError('INVALIDPARAMETERVALUE', `Invalid maxRecords: ${String(raw)}`, 400);
  return n;
}

function info(job: QueryJob, full: boolean): Record<string, unknown> {
  return {
    ...baseInfo(job),
    ...layoutInfo(job),
    ...(full ? { jobType: 'V2Query' } : {}),
    lineEnding: job.lineEnding,
    columnDelimiter: job.columnDelimiter,
    ...(full ? { ...progressInfo(job), isPkChunkingSupported: true } : {}),
  };
}

export function queryJobRoutes(org: Org, jobs: BulkJobs): Router {
  const router = Router({ mergeParams: true });
  router.use('/jobs/query', sinceVersion(47));

  router.post('/jobs/query', (req, res) => {
    const body = jsonBody(req.body);
    const operation = enumProp(body, 'operation', ['query', 'queryAll']);
    const layout = csvOptions(body);
    const query = body.query;
    if (typeof query !== 'string' || !query.trim()) throw new SfError('INVALIDJOB', 'query is required', 400);
    checkBulkSoql(query);
    const result = executeSoql(org, query, { includeDeleted: operation === 'queryAll' });
    checkBulkResult(result);
    if (!org.limits.use('DailyBulkV2QueryJobs'))
      throw new SfError('LIMIT_EXCEEDED', 'Exceeded max jobs number in 24 hours (DailyBulkV2QueryJobs)', 400);
    const job = jobs.create<QueryJob>({
      kind: 'query',
      operation,
      object: result.sobject,
      createdById: res.locals.userId as string,
      state: 'UploadComplete',
      apiVersion: res.locals.version as string,
      ...layout,
      query,
      result,
    });
    jobs.later(job, () => {
      jobs.setState(job, 'InProgress');
      jobs.later(job, () => {
        const failure = org.faults.bulkJobFailure;
        if (failure) return jobs.setState(job, 'Failed', failure);
        job.numberRecordsProcessed = result.totalSize;
        jobs.setState(job, 'JobComplete');
      });
    });
    res.json(info(job, false));
  });

  router.get('/jobs/query', (_req, res) => {
    res.json({ done: true, records: jobs.list('query').map((j) => info(j as QueryJob, true)), nextRecordsUrl: null });
  });

  router.get('/jobs/query/:jobId', (req, res) => {
    res.json(info(jobs.get<QueryJob>('query', String(req.params.jobId)), true));
  });

  router.patch('/jobs/query/:jobId', (req, res) => {
    const job = jobs.get<QueryJob>('query', String(req.params.jobId));
    enumProp(jsonBody(req.body), 'state', ['Aborted']);
    abort(jobs, job);
    res.json(info(job, false));
  });

  router.delete('/jobs/query/:jobId', (req, res) => {
    jobs.remove(jobs.get<QueryJob>('query', String(req.params.jobId)));
    res.status(204).end();
  });

  router.get('/jobs/query/:jobId/results', (req, res) => sendResults(org, jobs, req, res));
  return router;
}

async function sendResults(org: Org, jobs: BulkJobs, req: Request, res: Response): Promise<void> {
  const job = jobs.get<QueryJob>('query', String(req.params.jobId));
  if (job.state !== 'JobComplete')
    throw new SfError('INVALIDJOBSTATE', `Results are available once the job is JobComplete; it is ${job.state}`, 400);
  const { result } = job;
  const total = result.totalSize;
  const locator = typeof req.query.locator === 'string' && req.query.locator !== '' ? req.query.locator : null;
  const offset = locator === null ? 0 : decodeLocator(locator, total);
  const end = Math.min(total, offset + maxRecordsOf(req));
  const { delimiter, eol } = csvLayout(job.columnDelimiter, job.lineEnding);
  const csv = { delimiter, lineEnding: eol };
  const sink = csvResponse(org, req, res, {
    'Sforce-Locator': end < total ? encodeLocator(end) : 'null',
    'Sforce-NumberOfRecords': String(end - offset),
  });
  const write = csvRowWriter(result, csv);
  if (!(await sink.write(csvHeader(result, csv)))) return;
  for (let i = offset; i < end; i += CHUNK_ROWS) if (!(await sink.write(write(i, Math.min(end, i + CHUNK_ROWS))))) return;
  await sink.end();
}
