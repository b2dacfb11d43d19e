/**
 * Bulk API 1.0 at /services/async/<version>: jobs, batches, batch requests and results. The
 * session travels in X-SFDC-Session (or an OAuth Authorization header); every request counts
 * against the daily API budget. XML in and out, or JSON for JSON jobs.
 */
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Org } from '../data/org.js';
import { effectivePermissions } from '../data/permissions.js';
import { MAX_VERSION, MIN_VERSION, bearerToken } from '../rest/http.js';
import { parseXml, XmlError } from '../soap/xml.js';
import { Bulk1Error, sendBulk1Error } from './errors.js';
import { batchInfo, batchListXml, Bulk1Jobs, infoXml, jobInfo, type ContentType, type Job } from './jobs.js';
import { processIngestBatch, sendIngestResults } from './ingest.js';
import { addQueryBatch, chunkSizeOf, processQueryBatch, sendQueryResult, sendResultList } from './query.js';

const OPERATIONS = ['insert', 'update', 'upsert', 'delete', 'hardDelete', 'query', 'queryAll'];
const CONTENT_TYPES: ContentType[] = ['CSV', 'XML', 'JSON'];
/** A batch may hold 10 MB (XML and JSON bodies a little more). */
const MAX_BODY_BYTES = 12 * 1024 * 1024;

const isJsonRequest = (req: Request): boolean => /json/i.test(req.get('content-type') ?? '');

function sendInfo(res: Response, json: boolean, root: 'jobInfo' | 'batchInfo', info: Record<string, unknown>, status = 200): void {
  if (json) res.status(status).json(info);
  else res.status(status).type('application/xml; charset=UTF-8').send(infoXml(root, info));
}

/** The fields of a jobInfo request body (XML or JSON). */
function readJobInfo(req: Request): Record<string, string> {
  const body = typeof req.body === 'string' ? req.body : '';
  if (isJsonRequest(req)) {
    try {
      const o = JSON.parse(body) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, String(v)]));
    } catch (err) {
      throw new Bulk1Error('ClientInputError', `Failed to parse the request: ${(err as Error).message}`);
    }
  }
  try {
    const root = parseXml(body);
    if (root.name !== 'jobInfo') throw new Bulk1Error('InvalidXML', `Unexpected element ${root.name}, expected jobInfo`);
    return Object.fromEntries(root.children.map((c) => [c.name, c.text.trim()]));
  } catch (err) {
    if (err instanceof XmlError) throw new Bulk1Error('InvalidXML', `Unable to parse XML: ${err.message}`);
    throw err;
  }
}

function newJob(org: Org, req: Request, userId: string, version: string): Omit<Job, 'id' | 'createdDate' | 'systemModstamp' | 'batches'> {
  const info = readJobInfo(req);
  const operation = info.operation ?? '';
  if (!OPERATIONS.includes(operation)) throw new Bulk1Error('InvalidJob', `Invalid operation: ${operation}`);
  if (!info.object || !org.hasObject(info.object)) throw new Bulk1Error('InvalidJob', `Unable to find object: ${info.object ?? ''}`);
  const table = org.table(info.object);
  const contentType = (info.contentType ?? (isJsonRequest(req) ? 'JSON' : 'XML')) as ContentType;
  if (!CONTENT_TYPES.includes(contentType)) throw new Bulk1Error('InvalidJob', `Unsupported content type: ${contentType}`);
  let externalIdFieldName: string | null = null;
  if (operation === 'upsert') {
    const f = table.field(info.externalIdFieldName ?? '');
    if (!f || !(f.externalId || f.idLookup))
      throw new Bulk1Error('InvalidJob', `Field ${info.externalIdFieldName ?? ''} is not an External Id field on ${table.def.name}`);
    externalIdFieldName = f.name;
  }
  if (operation === 'hardDelete' && !effectivePermissions(org, userId).PermissionsModifyAllData)
    throw new Bulk1Error('FeatureNotEnabled', 'The Bulk API Hard Delete permission is needed to hard delete records');
  const pk = req.get('sforce-enable-pkchunking');
  let chunkSize: number | null = null;
  if (pk !== undefined) {
    if (!operation.startsWith('query')) throw new Bulk1Error('InvalidJob', 'PK chunking is only supported for query jobs');
    chunkSize = chunkSizeOf(pk);
  }
  const concurrencyMode = info.concurrencyMode === 'Serial' ? 'Serial' : 'Parallel';
  return {
    operation,
    object: table.def.name,
    createdById: userId,
    state: 'Open',
    externalIdFieldName,
    concurrencyMode,
    contentType,
    apiVersion: version,
    chunkSize,
  };
}

function authenticate(org: Org) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const m = /^(\d+)\.0$/.exec(String(req.params.version));
    const n = m ? Number(m[1]) : NaN;
    if (!(n >= MIN_VERSION && n <= MAX_VERSION))
      throw new Bulk1Error('InvalidUrl', `Invalid api version: ${String(req.params.version)}`, 404);
    res.locals.version = `${n}.0`;
    const token = req.get('x-sfdc-session') ?? bearerToken(req);
    const userId = token ? org.authenticate(token) : null;
    if (!userId) throw new Bulk1Error('InvalidSessionId', 'Invalid session id');
    res.locals.userId = userId;
    if (!org.limits.use('DailyApiRequests')) throw new Bulk1Error('ExceededQuota', 'TotalRequests Limit exceeded.', 403);
    next();
  };
}

export function bulk1Routes(org: Org): Router {
  const jobs = new Bulk1Jobs(org);
  const router = Router({ mergeParams: true });
  const jobOf = (req: Request): Job => jobs.get(String(req.params.jobId));
  router.use(authenticate(org));
  router.use(express.text({ type: () => true, limit: MAX_BODY_BYTES }));

  router.post('/job', (req, res) => {
    const job = jobs.create(newJob(org, req, res.locals.userId as string, res.locals.version as string));
    sendInfo(res, isJsonRequest(req), 'jobInfo', jobInfo(job), 201);
  });
  router.get('/job/:jobId', (req, res) => {
    const job = jobOf(req);
    sendInfo(res, job.contentType === 'JSON', 'jobInfo', jobInfo(job));
  });
  router.post('/job/:jobId', (req, res) => {
    const job = jobOf(req);
    const state = readJobInfo(req).state;
    if (state !== 'Closed' && state !== 'Aborted') throw new Bulk1Error('InvalidJobState', `Invalid state: ${state ?? ''}`);
    if (job.state !== 'Open') throw new Bulk1Error('InvalidJobState', `Job ${job.id} is ${job.state}, not Open`);
    job.state = state;
    job.systemModstamp = org.now();
    if (state === 'Aborted') for (const b of job.batches) if (b.state === 'Queued') jobs.setBatchState(b, 'NotProcessed');
    sendInfo(res, job.contentType === 'JSON', 'jobInfo', jobInfo(job));
  });
  router.post('/job/:jobId/batch', (req, res) => {
    const job = jobOf(req);
    if (job.state !== 'Open')
      throw new Bulk1Error('InvalidJobState', `Job ${job.id} is ${job.state}: batches can be added to Open jobs only`);
    const body = typeof req.body === 'string' ? req.body : '';
    const query = job.operation.startsWith('query');
    const before = job.batches.length;
    const batch = query ? addQueryBatch(org, jobs, job, body.trim()) : jobs.addBatch(job, body);
    for (const b of job.batches.slice(before).filter((x) => x.state === 'Queued')) {
      jobs.later(job, () => {
        jobs.setBatchState(b, 'InProgress');
        jobs.later(job, () => (query ? processQueryBatch(org, jobs, job, b) : processIngestBatch(org, jobs, job, b)));
      });
    }
    sendInfo(res, job.contentType === 'JSON', 'batchInfo', batchInfo(batch), 201);
  });
  router.get('/job/:jobId/batch', (req, res) => {
    const job = jobOf(req);
    if (job.contentType === 'JSON') res.json({ batchInfo: job.batches.map(batchInfo) });
    else res.type('application/xml; charset=UTF-8').send(batchListXml(job.batches));
  });
  router.get('/job/:jobId/batch/:batchId', (req, res) => {
    const job = jobOf(req);
    sendInfo(res, job.contentType === 'JSON', 'batchInfo', batchInfo(jobs.batch(job, String(req.params.batchId))));
  });
  router.get('/job/:jobId/batch/:batchId/request', (req, res) => {
    const job = jobOf(req);
    const b = jobs.batch(job, String(req.params.batchId));
    const type = job.operation.startsWith('query')
      ? 'text/plain'
      : { CSV: 'text/csv', XML: 'application/xml', JSON: 'application/json' }[job.contentType];
    res.type(`${type}; charset=UTF-8`).send(b.request);
  });
  router.get('/job/:jobId/batch/:batchId/result', (req, res) => {
    const job = jobOf(req);
    const b = jobs.batch(job, String(req.params.batchId));
    if (b.state !== 'Completed') throw new Bulk1Error('InvalidBatch', `Batch not completed: it is ${b.state}`);
    if (job.operation.startsWith('query')) sendResultList(res, job, b);
    else sendIngestResults(res, job, b);
  });
  router.get('/job/:jobId/batch/:batchId/result/:resultId', async (req, res) => {
    const job = jobOf(req);
    const b = jobs.batch(job, String(req.params.batchId));
    if (b.state !== 'Completed' || b.resultId !== String(req.params.resultId))
      throw new Bulk1Error('InvalidBatch', `Invalid result id: ${String(req.params.resultId)}`);
    await sendQueryResult(org, req, res, job, b, res.locals.version as string);
  });
  router.use((_req: Request, _res: Response) => {
    throw new Bulk1Error('InvalidUrl', 'The requested resource does not exist', 404);
  });
  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = err instanceof Bulk1Error ? err : toBulk1Error(err);
    sendBulk1Error(res, e, isJsonRequest(req));
  });
  return router;
}

function toBulk1Error(err: unknown): Bulk1Error {
  const e = err as { type?: string; message?: string };
  if (e?.type === 'entity.too.large') return new Bulk1Error('InvalidBatch', 'Exceeded max size limit of 10000000');
  return new Bulk1Error('Unknown', e?.message ?? String(err), 500);
}
