import { parse } from 'csv-parse/sync';
import { OrgVaultError } from '../errors.js';
import type { OrgConnection } from '../salesforce/connection.js';
import { ingestResults, type IngestResultRow } from '../salesforce/bulk2-ingest.js';
import { abortBulkJob, getBulkJob, isBulkJobGone, waitForBulkJob, type PollOptions } from '../salesforce/bulk2-jobs.js';
import { recordsCreatedSince } from '../salesforce/record-queries.js';
import type { InflightCreate, ResultRow, RestoreLedger } from './ledger.js';
import { normalValue } from './values.js';

/** How far Salesforce's clock may be behind ours when looking for records created since a call. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The rows of a create as sent, to tell which of them a record Salesforce returns is: by content
 * (Bulk result files echo the uploaded columns, not their order, and carry no id of ours; records
 * found by a query carry only their fields). Identical rows are interchangeable. Bulk echoes the
 * cells as uploaded; records read back by a query are compared per field type (`typeOf`).
 */
export class SentRows {
  readonly #waiting = new Map<string, string[]>();

  constructor(
    private readonly columns: readonly string[],
    rows: readonly (readonly string[])[],
    oldIds: readonly string[],
    private readonly typeOf?: (column: string) => string,
  ) {
    rows.forEach((row, i) => {
      const k = this.#key((_, j) => row[j]);
      const waiting = this.#waiting.get(k);
      if (waiting) waiting.push(oldIds[i]!);
      else this.#waiting.set(k, [oldIds[i]!]);
    });
  }

  #key(get: (column: string, index: number) => unknown): string {
    const typeOf = this.typeOf;
    return this.columns.map((c, i) => (typeOf ? (normalValue(typeOf(c), get(c, i)) ?? '\u0001') : String(get(c, i) ?? ''))).join('\u0000');
  }

  /** The old id of the sent row this record is (each row is taken once). */
  take(get: (column: string) => unknown): string | undefined {
    return this.#waiting.get(this.#key((c) => get(c)))?.shift();
  }

  /** Result rows of an insert as the ledger keeps them. */
  results(object: string, res: { successful: IngestResultRow[]; failed: IngestResultRow[]; unprocessed: IngestResultRow[] }): ResultRow[] {
    const out: ResultRow[] = [];
    for (const row of res.successful) {
      const oldId = this.take((c) => row[c]);
      if (oldId) out.push({ object, operation: 'create', oldId, newId: row.sf__Id!, success: true, error: null });
    }
    for (const row of [...res.failed, ...res.unprocessed]) {
      const oldId = this.take((c) => row[c]);
      if (oldId) out.push({ object, operation: 'create', oldId, newId: null, success: false, error: row.sf__Error ?? 'Unprocessed' });
    }
    return out;
  }
}

export interface RecoverDeps {
  ledger: RestoreLedger;
  conn: OrgConnection;
  /** Field types of an object (for comparing values). */
  typesOf(object: string): Promise<Map<string, string>>;
  poll?: PollOptions;
}

/**
 * Settles the creates a crashed run (or `settling.runId` itself, resumed) left in flight into
 * `targetOrgId`, before anything is planned again, so nothing they made is made twice. A Bulk job's results can always be read again while
 * Salesforce keeps the job (7 days); a job never closed processed nothing and is aborted. For an
 * sObject collections call — or a job that is gone — the records the integration user created
 * since the call are read back and matched to the rows sent by their content. Returns how many
 * records were found created.
 */
export async function settleInflight(
  deps: RecoverDeps,
  targetOrgId: string,
  sourceOrgId: string,
  settling: { runId: string; staleMs: number },
): Promise<number> {
  let found = 0;
  for (const c of await deps.ledger.inflight(targetOrgId, sourceOrgId, settling)) {
    const [columns, ...rows] = parse(c.csv, { relax_column_count: true }) as string[][];
    let results = c.sfJobId ? await fromBulkJob(deps, c.sfJobId, c.object, new SentRows(columns!, rows, c.oldIds)) : undefined;
    if (!results) {
      const types = await deps.typesOf(c.object);
      results = await fromOrg(deps, targetOrgId, c, columns!, new SentRows(columns!, rows, c.oldIds, (col) => types.get(col) ?? 'string'));
    }
    found += results.filter((r) => r.success).length;
    await deps.ledger.record({ targetOrgId, sourceOrgId, runId: c.runId }, results, c.id);
  }
  return found;
}

/** The job's results; undefined when Salesforce no longer has the job. */
async function fromBulkJob(deps: RecoverDeps, jobId: string, object: string, sent: SentRows): Promise<ResultRow[] | undefined> {
  let job;
  try {
    job = await getBulkJob(deps.conn, 'ingest', jobId);
  } catch (err) {
    if (isBulkJobGone(err)) return undefined;
    throw err;
  }
  if (job.state === 'Open') {
    // Never closed: Salesforce processed none of it.
    await abortBulkJob(deps.conn, 'ingest', jobId);
    return [];
  }
  if (job.state === 'UploadComplete' || job.state === 'InProgress') {
    job = await waitForBulkJob(deps.conn, 'ingest', jobId, deps.poll).catch(async (err: unknown) => {
      // A job that failed or was aborted may still have created some rows: read what it did.
      if (!OrgVaultError.is(err, 'ORG_API_ERROR')) throw err;
      return getBulkJob(deps.conn, 'ingest', jobId);
    });
  }
  return sent.results(object, await ingestResults(deps.conn, job));
}

/** The records the integration user created since the call, matched to the rows sent. */
async function fromOrg(deps: RecoverDeps, targetOrgId: string, c: InflightCreate, columns: string[], sent: SentRows): Promise<ResultRow[]> {
  const since = new Date(c.sentAt.getTime() - CLOCK_SKEW_MS);
  // Records restores already account for are not candidates.
  const known = await deps.ledger.mappedIds(targetOrgId, c.object);
  const records = await recordsCreatedSince(deps.conn, c.object, columns, deps.conn.identity.userId, since);
  const out: ResultRow[] = [];
  for (const rec of records) {
    const id = String(rec.Id);
    if (known.has(id)) continue;
    const oldId = sent.take((col) => rec[col]);
    if (oldId) out.push({ object: c.object, operation: 'create', oldId, newId: id, success: true, error: null });
  }
  return out;
}
