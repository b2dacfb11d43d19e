/**
 * Bulk API 2.0 ingest jobs: /jobs/ingest. Open → (one CSV upload, up to 150 MB) →
 * UploadComplete → InProgress → JobComplete, processed in the background in slices so the
 * server keeps answering; Aborted keeps what was not processed as unprocessed records.
 */
import { Router, type Request, type Response } from 'express';
import { parse } from 'csv-parse/sync';
import type { Org } from '../data/org.js';
import type { FieldDef } from '../data/model.js';
import { effectivePermissions } from '../data/permissions.js';
import { SfError } from '../errors.js';
import { COLUMN_DELIMITERS, csvLayout, quote, type CsvLayout } from './csv-format.js';
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
import { errorText, planColumns, writeRows, type IngestOperation } from './ingest-rows.js';

const OPERATIONS: IngestOperation[] = ['insert', 'update', 'upsert', 'delete', 'hardDelete'];
const MAX_UPLOAD_BYTES = 150 * 1024 * 1024;
/** Records written per Transaction, as Salesforce runs triggers per 200. */
const WRITE_GROUP = 200;
/** Records processed per turn of the event loop. */
const SLICE = 2000;

interface IngestJob extends Job {
  kind: 'ingest';
  externalIdFieldName: string | null;
  upload: Buffer | null;
  header: string[];
  /** Result lines (CSV, without header) by kind. */
  successful: string[];
  failed: string[];
  unprocessed: string[];
  numberRecordsFailed: number;
}

function info(job: IngestJob, version: string, full: boolean): Record<string, unknown> {
  return {
    ...baseInfo(job),
    ...(job.externalIdFieldName ? { externalIdFieldName: job.externalIdFieldName } : {}),
    ...layoutInfo(job),
    ...(full ? { jobType: 'V2Ingest' } : { contentUrl: `services/data/v${version}/jobs/ingest/${job.id}/batches` }),
    lineEnding: job.lineEnding,
    columnDelimiter: job.columnDelimiter,
    ...(full
      ? { numberRecordsFailed: job.numberRecordsFailed, ...progressInfo(job), apiActiveProcessingTime: 0, apexProcessingTime: 0 }
      : {}),
  };
}

async function readBody(req: Request): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_UPLOAD_BYTES) throw new SfError('REQUEST_ENTITY_TOO_LARGE', 'Job data exceeds the 150 MB upload limit', 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function line(values: string[], layout: CsvLayout): string {
  return values.map(quote).join(layout.delimiter) + layout.eol;
}

export function ingestJobRoutes(org: Org, jobs: BulkJobs): Router {
  const router = Router({ mergeParams: true });
  router.use('/jobs/ingest', sinceVersion(41));

  router.post('/jobs/ingest', (req, res) => {
    const body = jsonBody(req.body);
    const operation = enumProp(body, 'operation', OPERATIONS) as IngestOperation;
    const layout = csvOptions(body);
    const object = body.object;
    if (typeof object !== 'string' || !object) throw new SfError('INVALIDJOB', 'object is required', 400);
    if (!org.hasObject(object)) throw new SfError('INVALIDJOB', `InvalidJob : Unable to find object: ${object}`, 400);
    const table = org.table(object);
    let externalIdFieldName: string | null = null;
    if (operation === 'upsert') {
      const name = body.externalIdFieldName;
      const f = typeof name === 'string' ? table.field(name) : undefined;
      if (!f || !(f.externalId || f.idLookup))
        throw new SfError('INVALIDJOB', `InvalidJob : Field ${String(name ?? '')} is not an External Id field on ${table.def.name}`, 400);
      externalIdFieldName = f.name;
    }
    const userId = res.locals.userId as string;
    // Salesforce asks for "Bulk API Hard Delete"; the emulator's model stands it in with Modify All Data.
    if (operation === 'hardDelete' && !effectivePermissions(org, userId).PermissionsModifyAllData)
      throw new SfError('FEATURENOTENABLED', 'The Bulk API Hard Delete permission is needed to hard delete records', 400);
    const job = jobs.create<IngestJob>({
      kind: 'ingest',
      operation,
      object: table.def.name,
      createdById: userId,
      state: 'Open',
      apiVersion: res.locals.version as string,
      ...layout,
      externalIdFieldName,
      upload: null,
      header: [],
      successful: [],
      failed: [],
      unprocessed: [],
      numberRecordsFailed: 0,
    });
    res.json(info(job, res.locals.version as string, false));
  });

  router.get('/jobs/ingest', (_req, res) => {
    res.json({
      done: true,
      records: jobs.list('ingest').map((j) => info(j as IngestJob, j.apiVersion, true)),
      nextRecordsUrl: null,
    });
  });

  router.get('/jobs/ingest/:jobId', (req, res) => {
    res.json(info(jobs.get<IngestJob>('ingest', String(req.params.jobId)), res.locals.version as string, true));
  });

  router.put('/jobs/ingest/:jobId/batches', async (req, res) => {
    const job = jobs.get<IngestJob>('ingest', String(req.params.jobId));
    if (job.state !== 'Open' || job.upload)
      throw new SfError('INVALIDJOBSTATE', `Data can be uploaded once, to an Open job; this one is ${job.state}`, 400);
    job.upload = await readBody(req);
    res.status(201).end();
  });

  router.patch('/jobs/ingest/:jobId', (req, res) => {
    const job = jobs.get<IngestJob>('ingest', String(req.params.jobId));
    const state = enumProp(jsonBody(req.body), 'state', ['UploadComplete', 'Aborted']);
    if (state === 'Aborted') {
      const wasOpen = job.state === 'Open' || job.state === 'UploadComplete';
      abort(jobs, job);
      if (wasOpen) keepUnprocessed(job);
    } else {
      if (job.state !== 'Open') throw new SfError('INVALIDJOBSTATE', `Job is in state ${job.state}, not Open`, 400);
      jobs.setState(job, 'UploadComplete');
      jobs.later(job, () => run(org, jobs, job));
    }
    res.json(info(job, res.locals.version as string, false));
  });

  router.delete('/jobs/ingest/:jobId', (req, res) => {
    jobs.remove(jobs.get<IngestJob>('ingest', String(req.params.jobId)));
    res.status(204).end();
  });

  const results = (which: 'successful' | 'failed' | 'unprocessed') => async (req: Request, res: Response) => {
    const job = jobs.get<IngestJob>('ingest', String(req.params.jobId));
    const layout = csvLayout(job.columnDelimiter, job.lineEnding);
    const names = job.header.map((h) => (/[",\r\n]/.test(h) || h.includes(layout.delimiter) ? quote(h) : h));
    const lead = which === 'successful' ? ['"sf__Id"', '"sf__Created"'] : which === 'failed' ? ['"sf__Id"', '"sf__Error"'] : [];
    const sink = csvResponse(org, req, res);
    const header = [...lead, ...names].join(layout.delimiter) + layout.eol;
    if (!job.header.length || !(await sink.write(header))) return sink.end();
    const lines = job[which];
    for (let i = 0; i < lines.length; i += SLICE) if (!(await sink.write(lines.slice(i, i + SLICE).join('')))) return;
    await sink.end();
  };
  for (const path of ['successfulResults', 'successfulResults/']) router.get(`/jobs/ingest/:jobId/${path}`, results('successful'));
  for (const path of ['failedResults', 'failedResults/']) router.get(`/jobs/ingest/:jobId/${path}`, results('failed'));
  for (const path of ['unprocessedrecords', 'unprocessedrecords/']) router.get(`/jobs/ingest/:jobId/${path}`, results('unprocessed'));
  return router;
}

/** The uploaded rows as parsed values; throws the job's failure message when the CSV is bad. */
function parseUpload(job: IngestJob): string[][] {
  const text = (job.upload ?? Buffer.alloc(0)).toString('utf8');
  if (!text.trim()) return [];
  const firstBreak = text.indexOf('\n');
  if (job.lineEnding === 'LF' && firstBreak > 0 && text[firstBreak - 1] === '\r')
    throw new Error('ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is LF');
  try {
    return parse(text, { delimiter: COLUMN_DELIMITERS[job.columnDelimiter], bom: true, skip_empty_lines: true }) as string[][];
  } catch (err) {
    throw new Error(`InvalidBatch : Failed to parse CSV: ${(err as Error).message}`, { cause: err });
  }
}

function keepUnprocessed(job: IngestJob): void {
  let rows: string[][];
  try {
    rows = parseUpload(job);
  } catch {
    return;
  }
  const layout = csvLayout(job.columnDelimiter, job.lineEnding);
  job.header = rows[0] ?? [];
  job.unprocessed = rows.slice(1).map((r) => line(r, layout));
}

/** Processes an uploaded job in slices, writing through the org. */
function run(org: Org, jobs: BulkJobs, job: IngestJob): void {
  jobs.setState(job, 'InProgress');
  const layout = csvLayout(job.columnDelimiter, job.lineEnding);
  let rows: string[][];
  let plans: ReturnType<typeof planColumns>;
  let externalId: FieldDef | null = null;
  const table = org.table(job.object);
  try {
    rows = parseUpload(job);
    job.header = rows[0] ?? [];
    plans = planColumns(org, table, job.header);
    if (job.externalIdFieldName) externalId = table.field(job.externalIdFieldName)!;
  } catch (err) {
    jobs.setState(job, 'Failed', err instanceof SfError ? err.message : (err as Error).message);
    return;
  }
  const data = rows.slice(1);
  org.limits.use('DailyBulkApiBatches', Math.max(1, Math.ceil(data.length / 10_000)));
  if (org.faults.bulkJobFailure) {
    job.unprocessed = data.map((r) => line(r, layout));
    jobs.setState(job, 'Failed', org.faults.bulkJobFailure);
    return;
  }
  let next = 0;
  const step = (): void => {
    if (job.state !== 'InProgress') {
      job.unprocessed = data.slice(next).map((r) => line(r, layout));
      return;
    }
    const stop = Math.min(data.length, next + SLICE);
    for (let i = next; i < stop; i += WRITE_GROUP) {
      const group = data.slice(i, Math.min(stop, i + WRITE_GROUP));
      let outcomes;
      try {
        outcomes = writeRows(org, table, job.operation as IngestOperation, externalId, plans, group, job.createdById);
      } catch (err) {
        const e = err instanceof SfError ? err : new SfError('UNKNOWN_EXCEPTION', (err as Error).message);
        outcomes = group.map(() => ({ success: false, id: '', created: false, error: errorText(e) }));
      }
      outcomes.forEach((o, k) => {
        const values = group[k]!;
        if (o.success) job.successful.push(line([o.id, String(o.created), ...values], layout));
        else {
          job.failed.push(line([o.id, o.error, ...values], layout));
          job.numberRecordsFailed++;
        }
        job.numberRecordsProcessed++;
      });
    }
    next = stop;
    if (next < data.length) setImmediate(step);
    else jobs.setState(job, 'JobComplete');
  };
  step();
}
