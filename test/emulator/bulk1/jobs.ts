/**
 * Bulk API 1.0 jobs and batches of one org (/services/async/<version>/job). A job holds batches;
 * each batch moves Queued → InProgress → Completed (or Failed) on timers, as Salesforce processes
 * them in the background; a job is Open until closed or aborted. Infos are written as XML in the
 * dataload namespace, or as JSON for JSON jobs.
 */
import { makeId, normalizeId } from '../data/ids.js';
import type { Org } from '../data/org.js';
import { isoDateTime } from '../data/values.js';
import { escapeXml } from '../soap/xml.js';
import type { QueryResult } from '../soql/execute.js';
import type { RowOutcome } from '../bulk/ingest-rows.js';
import { Bulk1Error } from './errors.js';

export const DATALOAD_NS = 'http://www.force.com/2009/06/asyncapi/dataload';

export type ContentType = 'CSV' | 'XML' | 'JSON';
export type JobState = 'Open' | 'Closed' | 'Aborted' | 'Failed';
export type BatchState = 'Queued' | 'InProgress' | 'Completed' | 'Failed' | 'NotProcessed';

export interface Batch {
  id: string;
  jobId: string;
  state: BatchState;
  stateMessage: string | null;
  createdDate: number;
  systemModstamp: number;
  startedAt: number | null;
  /** The batch's request as sent (CSV/XML/JSON records, or the SOQL of a query batch). */
  request: string;
  numberRecordsProcessed: number;
  numberRecordsFailed: number;
  /** Ingest: one outcome per record, in request order. */
  outcomes: RowOutcome[];
  /** Query: the result (one result file). */
  result: QueryResult | null;
  resultId: string | null;
}

export interface Job {
  id: string;
  operation: string;
  object: string;
  createdById: string;
  createdDate: number;
  systemModstamp: number;
  state: JobState;
  externalIdFieldName: string | null;
  concurrencyMode: 'Parallel' | 'Serial';
  contentType: ContentType;
  apiVersion: string;
  /** PK chunking: rows per chunk, or null when off. */
  chunkSize: number | null;
  batches: Batch[];
}

const KEEP_MS = 7 * 86_400_000;
/** Pause before each background step: long enough that clients see the states move. */
export const STEP_MS = 20;

export class Bulk1Jobs {
  private readonly jobs = new Map<string, Job>();
  /**
   * Ids never repeat, also across restarts (the wall clock's microseconds), and never meet the
   * Bulk API 2.0 jobs' (same key prefix 750, counted from the same clock): these start 2^31 on.
   */
  private seq = Date.now() * 1000 + 2 ** 31;

  constructor(readonly org: Org) {}

  nextId(prefix: '750' | '751' | '752'): string {
    return makeId(prefix, ++this.seq);
  }

  create(start: Omit<Job, 'id' | 'createdDate' | 'systemModstamp' | 'batches'>): Job {
    const now = this.org.now();
    const job: Job = { ...start, id: this.nextId('750'), createdDate: now, systemModstamp: now, batches: [] };
    this.jobs.set(job.id, job);
    return job;
  }

  get(id: string): Job {
    this.expire();
    const job = this.jobs.get(normalizeId(id) ?? id);
    if (!job) throw new Bulk1Error('InvalidJob', `Invalid job id: ${id}`);
    return job;
  }

  batch(job: Job, id: string): Batch {
    const b = job.batches.find((x) => x.id === (normalizeId(id) ?? id));
    if (!b) throw new Bulk1Error('InvalidBatch', `Invalid batch id: ${id}`);
    return b;
  }

  addBatch(job: Job, request: string, state: BatchState = 'Queued'): Batch {
    const now = this.org.now();
    const b: Batch = {
      id: this.nextId('751'),
      jobId: job.id,
      state,
      stateMessage: null,
      createdDate: now,
      systemModstamp: now,
      startedAt: null,
      request,
      numberRecordsProcessed: 0,
      numberRecordsFailed: 0,
      outcomes: [],
      result: null,
      resultId: null,
    };
    job.batches.push(b);
    job.systemModstamp = now;
    return b;
  }

  setBatchState(b: Batch, state: BatchState, message: string | null = null): void {
    const now = this.org.now();
    b.state = state;
    b.systemModstamp = now;
    if (state === 'InProgress') b.startedAt = now;
    if (message !== null) b.stateMessage = message;
  }

  /** Runs a background step later, unless the job was aborted meanwhile. */
  later(job: Job, step: () => void): void {
    setTimeout(() => {
      if (job.state !== 'Aborted') step();
    }, STEP_MS).unref();
  }

  private expire(): void {
    const now = this.org.now();
    for (const [id, job] of this.jobs) if (job.state !== 'Open' && now - job.systemModstamp > KEEP_MS) this.jobs.delete(id);
  }
}

function count(job: Job, state: BatchState): number {
  return job.batches.filter((b) => b.state === state).length;
}

function processingTime(b: Batch): number {
  return b.startedAt === null ? 0 : b.systemModstamp - b.startedAt;
}

export function jobInfo(job: Job): Record<string, unknown> {
  return {
    id: job.id,
    operation: job.operation,
    object: job.object,
    createdById: job.createdById,
    createdDate: isoDateTime(job.createdDate),
    systemModstamp: isoDateTime(job.systemModstamp),
    state: job.state,
    ...(job.externalIdFieldName ? { externalIdFieldName: job.externalIdFieldName } : {}),
    concurrencyMode: job.concurrencyMode,
    contentType: job.contentType,
    numberBatchesQueued: count(job, 'Queued'),
    numberBatchesInProgress: count(job, 'InProgress'),
    numberBatchesCompleted: count(job, 'Completed'),
    numberBatchesFailed: count(job, 'Failed'),
    numberBatchesTotal: job.batches.length,
    numberRecordsProcessed: job.batches.reduce((n, b) => n + b.numberRecordsProcessed, 0),
    numberRetries: 0,
    apiVersion: Number(job.apiVersion).toFixed(1),
    numberRecordsFailed: job.batches.reduce((n, b) => n + b.numberRecordsFailed, 0),
    totalProcessingTime: job.batches.reduce((n, b) => n + processingTime(b), 0),
    apiActiveProcessingTime: 0,
    apexProcessingTime: 0,
  };
}

export function batchInfo(b: Batch): Record<string, unknown> {
  return {
    id: b.id,
    jobId: b.jobId,
    state: b.state,
    ...(b.stateMessage ? { stateMessage: b.stateMessage } : {}),
    createdDate: isoDateTime(b.createdDate),
    systemModstamp: isoDateTime(b.systemModstamp),
    numberRecordsProcessed: b.numberRecordsProcessed,
    numberRecordsFailed: b.numberRecordsFailed,
    totalProcessingTime: processingTime(b),
    apiActiveProcessingTime: 0,
    apexProcessingTime: 0,
  };
}

function xmlFields(o: Record<string, unknown>): string {
  return Object.entries(o)
    .map(([k, v]) => `<${k}>${escapeXml(String(v))}</${k}>`)
    .join('');
}

/** `<root xmlns=dataload>fields</root>` of one info, or a list of them under `listRoot`. */
export function infoXml(root: string, info: Record<string, unknown>): string {
  return `<?xml version="1.0" encoding="UTF-8"?><${root} xmlns="${DATALOAD_NS}">${xmlFields(info)}</${root}>`;
}

export function batchListXml(batches: Batch[]): string {
  const items = batches.map((b) => `<batchInfo>${xmlFields(batchInfo(b))}</batchInfo>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><batchInfoList xmlns="${DATALOAD_NS}">${items}</batchInfoList>`;
}
