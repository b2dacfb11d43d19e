/**
 * Bulk API 1.0 query batches: the batch's body is the SOQL; the query runs when the batch is
 * processed and its rows make one result file (CSV, JSON with datetimes as epoch milliseconds,
 * or XML). With PK chunking (`Sforce-Enable-PKChunking` on the job) a query batch is split into
 * one batch per chunk of `chunkSize` records by Id (its request shows the Id range) and the
 * original batch ends NotProcessed, as Salesforce does.
 */
import type { Request, Response } from 'express';
import { csvResponse } from '../bulk/csv-response.js';
import type { Org } from '../data/org.js';
import type { Table } from '../data/table.js';
import { SfError } from '../errors.js';
import { executeSoql, type QueryResult } from '../soql/execute.js';
import { csvHeader, csvRowWriter } from '../soql/csv.js';
import { queryRecordJson } from '../rest/records.js';
import { checkBulkResult, checkBulkSoql } from '../bulk/query-rules.js';
import { escapeXml } from '../soap/xml.js';
import { Bulk1Error } from './errors.js';
import { DATALOAD_NS, type Batch, type Bulk1Jobs, type Job } from './jobs.js';

/** PK chunking's default and largest chunk sizes. */
export const DEFAULT_CHUNK = 100_000;
export const MAX_CHUNK = 250_000;

/** The row range each PK chunk batch covers (rows are in Id order). */
const chunks = new WeakMap<Batch, { soql: string; from: number; to: number }>();

/** `Sforce-Enable-PKChunking: TRUE` or `chunkSize=N`: the chunk size, or null when off. */
export function chunkSizeOf(header: string | undefined): number | null {
  if (!header || /^false$/i.test(header.trim())) return null;
  const m = /chunkSize\s*=\s*(\d+)/i.exec(header);
  if (!m) return DEFAULT_CHUNK;
  const n = Number(m[1]);
  if (!(n >= 1 && n <= MAX_CHUNK)) throw new Bulk1Error('InvalidJob', `chunkSize must be between 1 and ${MAX_CHUNK}`);
  return n;
}

/** Adds a query batch; with PK chunking, the chunk batches and the original, NotProcessed. */
export function addQueryBatch(org: Org, jobs: Bulk1Jobs, job: Job, soql: string): Batch {
  if (!job.chunkSize) return jobs.addBatch(job, soql);
  const original = jobs.addBatch(job, soql, 'NotProcessed');
  const table = org.table(job.object);
  const where = /\bwhere\b/i.test(soql.replace(/'(?:\\.|[^'\\])*'/g, "''")) ? ' AND' : ' WHERE';
  for (let from = 0; from < Math.max(1, table.size); from += job.chunkSize) {
    const to = Math.min(table.size, from + job.chunkSize);
    const range = `Id >= '${idAt(table, from)}'${to < table.size ? ` AND Id < '${idAt(table, to)}'` : ''}`;
    const b = jobs.addBatch(job, `${soql}${where} ${range}`);
    chunks.set(b, { soql, from, to });
  }
  return original;
}

function idAt(table: Table, row: number): string {
  return table.size ? table.idOf(row).slice(0, 15) : '000000000000000';
}

/** Runs a query batch; the batch fails with Salesforce's message for what Bulk does not run. */
export function processQueryBatch(org: Org, jobs: Bulk1Jobs, job: Job, batch: Batch): void {
  const chunk = chunks.get(batch);
  let result: QueryResult;
  try {
    const soql = chunk?.soql ?? batch.request;
    checkBulkSoql(soql, { subqueries: job.contentType !== 'CSV' });
    result = executeSoql(org, soql, { includeDeleted: job.operation === 'queryAll', userId: job.createdById });
    if (result.sobject.toLowerCase() !== job.object.toLowerCase())
      throw new SfError('INVALIDBATCH', `The query's object ${result.sobject} is not the job's object ${job.object}`);
    checkBulkResult(result);
  } catch (err) {
    return jobs.setBatchState(batch, 'Failed', `InvalidBatch : ${(err as Error).message}`);
  }
  org.limits.use('DailyBulkApiBatches');
  if (chunk) {
    const rows = result.rows.filter((r) => r >= chunk.from && r < chunk.to);
    result = { ...result, rows, totalSize: rows.length };
  }
  batch.result = result;
  batch.resultId = jobs.nextId('752');
  batch.numberRecordsProcessed = result.totalSize;
  jobs.setBatchState(batch, 'Completed');
}

export function sendResultList(res: Response, job: Job, batch: Batch): void {
  const ids = batch.resultId ? [batch.resultId] : [];
  if (job.contentType === 'JSON') {
    res.json(ids);
    return;
  }
  const items = ids.map((id) => `<result>${id}</result>`).join('');
  res
    .type('application/xml; charset=UTF-8')
    .send(`<?xml version="1.0" encoding="UTF-8"?><result-list xmlns="${DATALOAD_NS}">${items}</result-list>`);
}

/** A REST-shaped record with datetimes as epoch milliseconds, as Bulk JSON results have them. */
function bulkJson(org: Org, rec: Record<string, unknown>): Record<string, unknown> {
  const type = (rec.attributes as { type: string }).type;
  const table = org.hasObject(type) ? org.table(type) : null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rec)) {
    const f = table?.field(k);
    if (v && typeof v === 'object' && 'attributes' in v) out[k] = bulkJson(org, v as Record<string, unknown>);
    else out[k] = f?.type === 'datetime' && typeof v === 'string' ? Date.parse(v.replace(/\+0000$/, 'Z')) : v;
  }
  return out;
}

function recordXml(rec: Record<string, unknown>): string {
  const parts = [`<type>${escapeXml((rec.attributes as { type: string }).type)}</type>`];
  for (const [k, v] of Object.entries(rec)) {
    if (k === 'attributes') continue;
    if (v === null || v === undefined) parts.push(`<${k} xsi:nil="true"/>`);
    else if (typeof v === 'object') parts.push(`<${k} xsi:type="sObject">${recordXml(v as Record<string, unknown>)}</${k}>`);
    else parts.push(`<${k}>${escapeXml(String(v))}</${k}>`);
  }
  return parts.join('');
}

export async function sendQueryResult(org: Org, req: Request, res: Response, job: Job, batch: Batch, version: string): Promise<void> {
  const result = batch.result!;
  const records = (): Array<Record<string, unknown>> =>
    Array.from({ length: result.totalSize }, (_, i) => queryRecordJson(version, result, i));
  if (job.contentType === 'JSON') {
    res.json(records().map((r) => bulkJson(org, r)));
    return;
  }
  if (job.contentType === 'XML') {
    const items = records().map((r) => `<records xsi:type="sObject">${recordXml(r)}</records>`);
    res
      .type('application/xml; charset=UTF-8')
      .send(
        `<?xml version="1.0" encoding="UTF-8"?><queryResult xmlns="${DATALOAD_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">${items.join('')}</queryResult>`,
      );
    return;
  }
  if (result.totalSize === 0) {
    res.type('text/csv; charset=UTF-8').send('Records not found for this query');
    return;
  }
  await sendCsv(org, req, res, result);
}

/** Rows formatted per written chunk. */
const CHUNK_ROWS = 1000;

/** Bulk API 1.0 quotes every value of its CSV results; written in chunks, gzip when accepted. */
async function sendCsv(org: Org, req: Request, res: Response, result: QueryResult): Promise<void> {
  const csv = { delimiter: ',', lineEnding: '\n', quoteAll: true };
  const sink = csvResponse(org, req, res);
  const write = csvRowWriter(result, csv);
  if (!(await sink.write(csvHeader(result, csv)))) return;
  for (let i = 0; i < result.totalSize; i += CHUNK_ROWS)
    if (!(await sink.write(write(i, Math.min(result.totalSize, i + CHUNK_ROWS))))) return;
  await sink.end();
}
