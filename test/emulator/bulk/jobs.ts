/**
 * The org's Bulk API 2.0 jobs (query and ingest share one id space, key prefix 750). Jobs move
 * through their states on timers, as Salesforce's do in the background, and are forgotten seven
 * days (by the org's clock) after they end, as Salesforce deletes them.
 */
import type { NextFunction, Request, Response } from 'express';
import { makeId, normalizeId } from '../data/ids.js';
import type { Org } from '../data/org.js';
import { restDateTime } from '../data/values.js';
import { SfError, notFound } from '../errors.js';
import { COLUMN_DELIMITERS, LINE_ENDINGS } from './csv-format.js';

export type JobKind = 'query' | 'ingest';
export type JobState = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

export interface Job {
  id: string;
  kind: JobKind;
  operation: string;
  object: string;
  createdById: string;
  createdDate: number;
  systemModstamp: number;
  state: JobState;
  apiVersion: string;
  columnDelimiter: string;
  lineEnding: string;
  errorMessage: string | null;
  startedAt: number | null;
  endedAt: number | null;
  numberRecordsProcessed: number;
}

/** What a create request decides about a job; the other Job fields start the same for all. */
export type JobStart = Pick<
  Job,
  'kind' | 'operation' | 'object' | 'createdById' | 'state' | 'apiVersion' | 'columnDelimiter' | 'lineEnding'
>;

const KEEP_AFTER_END_MS = 7 * 86_400_000;
/** Pause before each background state change: long enough that clients see the states move. */
export const STEP_MS = 20;

export const ENDED: ReadonlySet<JobState> = new Set(['JobComplete', 'Failed', 'Aborted']);

export class BulkJobs {
  private readonly jobs = new Map<string, Job>();
  /**
   * Salesforce never gives an id twice, and a client may hold a job id across an org restart:
   * the counter starts at the wall clock's microseconds, which a restarted emulator (its jobs
   * forgotten) has passed unless it made more than a job per microsecond before.
   */
  private seq = Date.now() * 1000;

  constructor(readonly org: Org) {}

  /** Registers a new job: what the request decided plus the kind's own fields. */
  create<J extends Job>(start: JobStart & Omit<J, keyof Job>): J {
    const now = this.org.now();
    const job = {
      ...start,
      id: makeId('750', ++this.seq),
      createdDate: now,
      systemModstamp: now,
      errorMessage: null,
      startedAt: null,
      endedAt: null,
      numberRecordsProcessed: 0,
    } as J;
    this.jobs.set(job.id, job);
    return job;
  }

  /** A job of this kind by id, or NOT_FOUND (unknown, deleted or expired). */
  get<J extends Job>(kind: JobKind, id: string): J {
    this.expire();
    const job = this.jobs.get(normalizeId(id) ?? id);
    if (!job || job.kind !== kind) throw notFound();
    return job as J;
  }

  list(kind: JobKind): Job[] {
    this.expire();
    return [...this.jobs.values()].filter((j) => j.kind === kind);
  }

  remove(job: Job): void {
    if (!ENDED.has(job.state) && !(job.kind === 'ingest' && job.state === 'UploadComplete'))
      throw new SfError('INVALIDJOBSTATE', `Job in state ${job.state} can't be deleted`, 400);
    this.jobs.delete(job.id);
  }

  setState(job: Job, state: JobState, errorMessage?: string): void {
    const now = this.org.now();
    job.state = state;
    job.systemModstamp = now;
    if (state === 'InProgress') job.startedAt = now;
    if (ENDED.has(state)) job.endedAt = now;
    if (errorMessage !== undefined) job.errorMessage = errorMessage;
  }

  /** Runs a background step of a job later, unless the job was aborted or deleted meanwhile. */
  later(job: Job, step: () => void): void {
    setTimeout(() => {
      if (this.jobs.get(job.id) !== job || ENDED.has(job.state)) return;
      step();
    }, STEP_MS).unref();
  }

  private expire(): void {
    const now = this.org.now();
    for (const [id, job] of this.jobs) if (job.endedAt !== null && now - job.endedAt > KEEP_AFTER_END_MS) this.jobs.delete(id);
  }
}

/** Bulk 2.0 resources exist from an API version on (ingest 41.0, query 47.0): NOT_FOUND before. */
export function sinceVersion(min: number) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    if (Number(res.locals.version) < min) throw notFound();
    next();
  };
}

/** The fields every job info answer has, in Salesforce's order. */
export function baseInfo(job: Job): Record<string, unknown> {
  return {
    id: job.id,
    operation: job.operation,
    object: job.object,
    createdById: job.createdById,
    createdDate: restDateTime(job.createdDate),
    systemModstamp: restDateTime(job.systemModstamp),
    state: job.state,
  };
}

/** The fields of a job's full info (GET): processing counters and times. */
export function progressInfo(job: Job): Record<string, unknown> {
  const end = job.endedAt ?? (job.startedAt === null ? null : job.systemModstamp);
  return {
    numberRecordsProcessed: job.numberRecordsProcessed,
    retries: 0,
    totalProcessingTime: job.startedAt === null || end === null ? 0 : end - job.startedAt,
    ...(job.errorMessage ? { errorMessage: job.errorMessage } : {}),
  };
}

export function layoutInfo(job: Job): Record<string, unknown> {
  return {
    concurrencyMode: 'Parallel',
    contentType: 'CSV',
    apiVersion: Number(job.apiVersion),
  };
}

/** An abort request: only jobs that have not ended can be aborted. */
export function abort(jobs: BulkJobs, job: Job): void {
  if (ENDED.has(job.state)) throw new SfError('INVALIDJOBSTATE', `Job is already in state ${job.state}`, 400);
  jobs.setState(job, 'Aborted');
}

/** The JSON object body of a job request, or a JSON_PARSER_ERROR. */
export function jsonBody(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new SfError('JSON_PARSER_ERROR', 'The request body must be a JSON object', 400);
  return body as Record<string, unknown>;
}

/** contentType (CSV only), columnDelimiter and lineEnding of a create request, with their defaults. */
export function csvOptions(body: Record<string, unknown>): Pick<Job, 'columnDelimiter' | 'lineEnding'> {
  enumProp(body, 'contentType', ['CSV'], 'CSV');
  return {
    columnDelimiter: enumProp(body, 'columnDelimiter', Object.keys(COLUMN_DELIMITERS), 'COMMA'),
    lineEnding: enumProp(body, 'lineEnding', Object.keys(LINE_ENDINGS), 'LF'),
  };
}

/** An enum property of a job request: its default when absent, JSON_PARSER_ERROR when unknown. */
export function enumProp(body: Record<string, unknown>, name: string, allowed: readonly string[], fallback?: string): string {
  const v = body[name];
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new SfError('INVALIDJOB', `${name} is required`, 400);
  }
  if (typeof v !== 'string' || !allowed.includes(v))
    throw new SfError(
      'JSON_PARSER_ERROR',
      `Cannot deserialize instance of ${name} from VALUE_STRING value ${String(v)} or request may be missing a required field`,
      400,
    );
  return v;
}
