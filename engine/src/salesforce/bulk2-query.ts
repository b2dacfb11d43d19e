import { OrgVaultError } from '../errors.js';
import type { OrgConnection } from './connection.js';
import { getBulkJob, isBulkJobGone, jobPath, waitForBulkJob, type BulkJobInfo, type PollOptions } from './bulk2-jobs.js';
import type { CsvPage } from './rest-csv.js';
import type { PageLease, PageMemory } from './page-memory.js';

export type BulkQueryOperation = 'query' | 'queryAll';

/** Where a reader stands: the job and the locator of the next page to read (null = the first page). */
export interface BulkQueryCheckpoint {
  jobId: string;
  locator: string | null;
}

export interface BulkResultPage extends CsvPage {
  jobId: string;
}

/** Bounds memory per page: 50,000 rows of 20 fields is about 20 MB of CSV. */
export const DEFAULT_MAX_RECORDS = 50_000;

export interface ResultOptions {
  maxRecords?: number;
  /** Bytes the page is expected to have (its predecessor's size): the body is read into one buffer that big. */
  sizeHint?: number;
  /**
   * The process's bound on page bytes held at once, shared with every other reader: each page asks
   * it for its predecessor's size before it is fetched, the first page for `firstPageBytes`.
   */
  memory?: PageMemory;
  firstPageBytes?: number;
  /** Accept-Encoding of result pages (gzip when absent, as Node's fetch asks by default). */
  encoding?: 'gzip' | 'identity';
  signal?: AbortSignal;
}

/** Creates a query job (CSV, comma, LF). Counts against the org's daily Bulk query jobs. */
export async function createBulkQueryJob(conn: OrgConnection, soql: string, operation: BulkQueryOperation = 'query'): Promise<BulkJobInfo> {
  conn.budget.assertMayStartBulkQueryJob();
  const info = await conn.http.json<BulkJobInfo>({
    method: 'POST',
    path: 'jobs/query',
    json: { operation, query: soql, contentType: 'CSV', columnDelimiter: 'COMMA', lineEnding: 'LF' },
    // A repeated create after a lost answer only leaves an unused job behind.
    idempotent: true,
    what: 'create Bulk query job',
  });
  conn.budget.recordBulkQueryJob();
  return info;
}

/** One page of results by locator, retried from the same locator on transient failures. */
export function fetchResultPage(
  conn: OrgConnection,
  jobId: string,
  locator: string | null,
  options: ResultOptions = {},
): Promise<BulkResultPage> {
  return conn.http.call(
    {
      path: `${jobPath('query', jobId)}/results`,
      query: { locator: locator ?? undefined, maxRecords: options.maxRecords ?? DEFAULT_MAX_RECORDS },
      headers: { Accept: 'text/csv', 'Accept-Encoding': options.encoding ?? 'gzip' },
      what: `Bulk query results ${jobId}`,
      ...(options.signal ? { signal: options.signal } : {}),
    },
    async (res) => {
      const csv = await readBody(res, options.sizeHint);
      const header = res.headers.get('sforce-locator');
      if (header === null) {
        throw new OrgVaultError('ORG_API_ERROR', `Bulk query results ${jobId}: no Sforce-Locator header`, {
          details: { errorCode: 'NO_LOCATOR', jobId, transient: true },
        });
      }
      return {
        jobId,
        locator,
        nextLocator: header === 'null' || header === '' ? null : header,
        csv,
        records: Number(res.headers.get('sforce-numberofrecords') ?? NaN),
      };
    },
  );
}

/**
 * A page's body as one Buffer. Joining the chunks at the end (what `arrayBuffer()` does) holds
 * the page twice for a moment; given the expected size (pages of a job are alike), the chunks
 * are copied into one buffer as they come, so a page of 50,000 rows costs ~22 MB, not ~44 MB.
 */
async function readBody(res: Response, sizeHint: number | undefined): Promise<Buffer> {
  if (!res.body) return Buffer.alloc(0);
  if (!sizeHint) return Buffer.from(await res.arrayBuffer());
  let buf = Buffer.allocUnsafe(Math.ceil(sizeHint * 1.1));
  let used = 0;
  for await (const chunk of res.body) {
    if (used + chunk.length > buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(Math.ceil(buf.length * 1.5), used + chunk.length));
      buf.copy(bigger, 0, 0, used);
      buf = bigger;
    }
    buf.set(chunk, used);
    used += chunk.length;
  }
  // A much smaller page (a job's last) is copied out rather than pinning the whole buffer.
  return used < buf.length * 0.75 ? Buffer.from(buf.subarray(0, used)) : buf.subarray(0, used);
}

/**
 * Yields the result pages of a completed job from `fromLocator` on (the first page when null).
 * The next page is fetched while the caller handles the current one, never more than one ahead,
 * and each page holds its bytes of `memory` until the caller asks for the next one. Stopping
 * early (break, return, throw) cancels the read ahead.
 */
export async function* readBulkQueryResults(
  conn: OrgConnection,
  jobId: string,
  options: ResultOptions & { fromLocator?: string | null } = {},
): AsyncGenerator<BulkResultPage> {
  const controller = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
  interface Fetched {
    page: BulkResultPage;
    lease: PageLease | undefined;
  }
  const fetchAhead = (locator: string | null, sizeHint: number | undefined): Promise<Fetched> => {
    const p = (async () => {
      const lease = await options.memory?.acquire(sizeHint ?? options.firstPageBytes ?? 0, signal);
      try {
        const page = await fetchResultPage(conn, jobId, locator, { ...options, signal, sizeHint });
        lease?.resize(page.csv.length);
        return { page, lease };
      } catch (err) {
        lease?.release();
        throw err;
      }
    })();
    // Awaited on the next turn; an early stop must not leave an unhandled rejection behind.
    p.catch(() => undefined);
    return p;
  };
  let pending: Promise<Fetched> | undefined = fetchAhead(options.fromLocator ?? null, undefined);
  let current: Fetched | undefined;
  try {
    while (pending) {
      current = await pending;
      const page: BulkResultPage = current.page;
      pending = page.nextLocator !== null ? fetchAhead(page.nextLocator, page.csv.length) : undefined;
      yield page;
      current.lease?.release();
    }
  } finally {
    controller.abort();
    current?.lease?.release();
    void pending?.then(
      (f) => f.lease?.release(),
      () => undefined,
    );
  }
}

export interface BulkQueryOptions extends ResultOptions {
  soql: string;
  operation?: BulkQueryOperation;
  /** The object the query reads: a resumed job of another object is not this query's. */
  object?: string;
  /** Continue a job a previous run started: from its checkpoint instead of a new job. */
  resume?: BulkQueryCheckpoint;
  poll?: PollOptions;
  /** Told of a new job as soon as it exists, so its id can be checkpointed before it completes. */
  onJob?: (job: BulkJobInfo) => void | Promise<void>;
  /** Told why a resumed job is not read further, before the new job replacing it is created. */
  onStale?: (stale: StaleBulkJob) => void | Promise<void>;
}

/** A checkpointed job a resume cannot trust, and why. */
export interface StaleBulkJob {
  jobId: string;
  reason: 'gone' | 'Failed' | 'Aborted' | 'other object' | 'other operation';
}

/**
 * A whole Bulk 2.0 query: create the job (or take the one being resumed), wait for it, yield its
 * pages. Checkpoint `{jobId, locator: page.nextLocator}` after storing each page; a later run
 * given that as `resume` continues with the next page. A resumed job that cannot be read through
 * (deleted or expired, its results gone, Failed or Aborted, or another object's or operation's
 * job under that id) is replaced by a new job read from its first page: the caller sees the rows
 * it already stored again, and must recognise them.
 */
export async function* bulkQuery(conn: OrgConnection, options: BulkQueryOptions): AsyncGenerator<BulkResultPage> {
  const { resume } = options;
  if (resume) {
    const reason = yield* readResumed(conn, options, resume);
    if (reason === undefined) return;
    await options.onStale?.({ jobId: resume.jobId, reason });
  }
  const created = await createBulkQueryJob(conn, options.soql, options.operation);
  await options.onJob?.(created);
  // A new job has just been seen: wait before the first state check.
  await waitForBulkJob(conn, 'query', created.id, pollOf(options), created);
  yield* readBulkQueryResults(conn, created.id, { ...options, fromLocator: null });
}

function pollOf(options: BulkQueryOptions): PollOptions {
  return { ...options.poll, ...(options.signal ? { signal: options.signal } : {}) };
}

/**
 * Yields a resumed job's pages from its checkpoint on; returns why the rest must come from a new
 * job, or undefined once the job is read through. A resumed job has most likely finished long
 * ago, so it is asked at once.
 */
async function* readResumed(
  conn: OrgConnection,
  options: BulkQueryOptions,
  resume: BulkQueryCheckpoint,
): AsyncGenerator<BulkResultPage, StaleBulkJob['reason'] | undefined> {
  let info: BulkJobInfo;
  try {
    info = await getBulkJob(conn, 'query', resume.jobId, options.signal);
  } catch (err) {
    if (isBulkJobGone(err)) return 'gone';
    throw err;
  }
  if (options.object !== undefined && info.object.toLowerCase() !== options.object.toLowerCase()) return 'other object';
  if (info.operation !== (options.operation ?? 'query')) return 'other operation';
  if (info.state === 'Failed' || info.state === 'Aborted') return info.state;
  try {
    await waitForBulkJob(conn, 'query', resume.jobId, pollOf(options), info);
    yield* readBulkQueryResults(conn, resume.jobId, { ...options, fromLocator: resume.locator });
    return undefined;
  } catch (err) {
    const reason = unreadable(err);
    if (reason === undefined) throw err;
    return reason;
  }
}

/** Why an error reading a resumed job means its rows must come from a new job, if it does. */
function unreadable(err: unknown): StaleBulkJob['reason'] | undefined {
  if (isBulkJobGone(err)) return 'gone';
  if (!OrgVaultError.is(err, 'ORG_API_ERROR')) return undefined;
  if (err.details?.errorCode === 'BULK_JOB_FAILED') return 'Failed';
  if (err.details?.errorCode === 'BULK_JOB_ABORTED') return 'Aborted';
  return undefined;
}
