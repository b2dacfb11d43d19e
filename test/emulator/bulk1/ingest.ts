/**
 * Bulk API 1.0 ingest batches: the records of a batch (CSV, XML `<sObjects><sObject>`, or a
 * JSON array) become the same header-and-rows form Bulk API 2.0 reads, so both APIs apply
 * records alike (bulk/ingest-rows.ts: empty leaves a field alone, `#N/A` / xsi:nil / null clear
 * it, `Rel.ExtField` or a nested `<Rel><ExtField>` sets a lookup by external id). Results come
 * back in request order: CSV `"Id","Success","Created","Error"`, XML `<results>`, or JSON.
 */
import type { Response } from 'express';
import { parse } from 'csv-parse/sync';
import type { Org } from '../data/org.js';
import { SfError } from '../errors.js';
import { errorText, planColumns, writeRows, type IngestOperation, type RowOutcome } from '../bulk/ingest-rows.js';
import { quote } from '../bulk/csv-format.js';
import { escapeXml, isNil, parseXml, XmlError, type XmlElement } from '../soap/xml.js';
import { DATALOAD_NS, type Batch, type Bulk1Jobs, type Job } from './jobs.js';

/** Records a batch may hold. */
const MAX_BATCH_RECORDS = 10_000;
/** Records written per Transaction, as Salesforce runs triggers per 200. */
const WRITE_GROUP = 200;

interface Rows {
  header: string[];
  rows: string[][];
}

/** Objects (XML elements or JSON objects) as columns: nested ones become `Rel.Field`, nulls `#N/A`. */
function fromObjects(records: Array<Map<string, string>>): Rows {
  const header: string[] = [];
  for (const r of records) for (const k of r.keys()) if (!header.includes(k)) header.push(k);
  return { header, rows: records.map((r) => header.map((h) => r.get(h) ?? '')) };
}

function xmlRecord(el: XmlElement): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of el.children) {
    if (c.children.length) for (const g of c.children) out.set(`${c.name}.${g.name}`, g.text);
    else out.set(c.name, isNil(c) ? '#N/A' : c.text);
  }
  return out;
}

function jsonRecord(o: unknown): Map<string, string> {
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw new Error('InvalidBatch : Records must be JSON objects');
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(o as Record<string, unknown>)) {
    if (k === 'attributes') continue;
    if (v && typeof v === 'object') {
      for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) if (k2 !== 'attributes') out.set(`${k}.${k2}`, String(v2));
    } else out.set(k, v === null ? '#N/A' : String(v));
  }
  return out;
}

/** The batch's records as header and rows; throws Error with the batch's failure message. */
function batchRows(job: Job, body: string): Rows {
  if (!body.trim()) return { header: [], rows: [] };
  try {
    if (job.contentType === 'JSON') {
      const data: unknown = JSON.parse(body);
      if (!Array.isArray(data)) throw new Error('InvalidBatch : The batch must be a JSON array of records');
      return fromObjects(data.map(jsonRecord));
    }
    if (job.contentType === 'XML') return fromObjects(parseXml(body).children.map(xmlRecord));
    const rows = parse(body, { bom: true, skip_empty_lines: true }) as string[][];
    return { header: rows[0] ?? [], rows: rows.slice(1) };
  } catch (err) {
    if (err instanceof XmlError || err instanceof SyntaxError)
      throw new Error(`InvalidBatch : Failed to parse the batch: ${err.message}`, { cause: err });
    if ((err as Error).message.startsWith('InvalidBatch')) throw err;
    throw new Error(`InvalidBatch : Failed to parse CSV: ${(err as Error).message}`, { cause: err });
  }
}

/** Applies an ingest batch through the org, 200 records per write; Failed when the batch itself is bad. */
export function processIngestBatch(org: Org, jobs: Bulk1Jobs, job: Job, batch: Batch): void {
  const table = org.table(job.object);
  let data: Rows;
  let plans;
  try {
    data = batchRows(job, batch.request);
    if (data.rows.length > MAX_BATCH_RECORDS) throw new Error(`InvalidBatch : Records in a batch may not exceed ${MAX_BATCH_RECORDS}`);
    plans = planColumns(org, table, data.header);
  } catch (err) {
    return jobs.setBatchState(batch, 'Failed', (err as Error).message);
  }
  org.limits.use('DailyBulkApiBatches');
  const externalId = job.externalIdFieldName ? table.field(job.externalIdFieldName)! : null;
  for (let i = 0; i < data.rows.length; i += WRITE_GROUP) {
    const group = data.rows.slice(i, i + WRITE_GROUP);
    let outcomes: RowOutcome[];
    try {
      outcomes = writeRows(org, table, job.operation as IngestOperation, externalId, plans, group, job.createdById);
    } catch (err) {
      const e = err instanceof SfError ? err : new SfError('UNKNOWN_EXCEPTION', (err as Error).message);
      outcomes = group.map(() => ({ success: false, id: '', created: false, error: errorText(e) }));
    }
    batch.outcomes.push(...outcomes);
  }
  batch.numberRecordsProcessed = batch.outcomes.length;
  batch.numberRecordsFailed = batch.outcomes.filter((o) => !o.success).length;
  jobs.setBatchState(batch, 'Completed');
}

/** An outcome's error back as code, message and fields (errorText's `CODE:message:fields --`). */
function errorParts(text: string): { statusCode: string; message: string; fields: string[] } {
  const m = /^([A-Z_]+):([\s\S]*):([^:]*) --$/.exec(text);
  if (!m) return { statusCode: 'UNKNOWN_EXCEPTION', message: text, fields: [] };
  return { statusCode: m[1]!, message: m[2]!, fields: m[3] ? m[3].split(',') : [] };
}

export function sendIngestResults(res: Response, job: Job, batch: Batch): void {
  if (job.contentType === 'JSON') {
    res.json(
      batch.outcomes.map((o) => ({
        success: o.success,
        created: o.created,
        id: o.id || null,
        errors: o.success ? [] : [errorParts(o.error)],
      })),
    );
    return;
  }
  if (job.contentType === 'XML') {
    const items = batch.outcomes.map((o) => {
      const e = o.success ? null : errorParts(o.error);
      const errors = e
        ? `<errors>${e.fields.map((f) => `<fields>${escapeXml(f)}</fields>`).join('')}<message>${escapeXml(e.message)}</message><statusCode>${e.statusCode}</statusCode></errors>`
        : '';
      return `<result>${errors}${o.id ? `<id>${o.id}</id>` : ''}<success>${o.success}</success><created>${o.created}</created></result>`;
    });
    res
      .type('application/xml; charset=UTF-8')
      .send(`<?xml version="1.0" encoding="UTF-8"?><results xmlns="${DATALOAD_NS}">${items.join('')}</results>`);
    return;
  }
  const lines = batch.outcomes.map((o) => [o.id, String(o.success), String(o.created), o.success ? '' : o.error].map(quote).join(','));
  res.type('text/csv; charset=UTF-8').send(['"Id","Success","Created","Error"', ...lines].join('\n') + '\n');
}
