import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import type { Pool } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { Store, WithBatch } from '../store/store.js';
import type { OrgConnection } from '../salesforce/connection.js';
import type { ObjectScope } from '../salesforce/scope.js';
import { idsSoql, passSoql } from '../salesforce/scope.js';
import { DEFAULT_MAX_RECORDS, bulkQuery } from '../salesforce/bulk2-query.js';
import type { PageMemory } from '../salesforce/page-memory.js';
import { restQuery, type SObjectRecord } from '../salesforce/rest-query.js';
import { recordsToCsv } from '../salesforce/rest-csv.js';
import { getDeleted, windowStart } from '../salesforce/replication.js';
import { downloadBlob } from '../salesforce/blob.js';
import { refetchLostFiles } from './lost-files.js';
import { recordProgress, type PassCheckpoint, type PassKind } from './state.js';

export interface PassOptions {
  /** Late commits: an incremental pass reads from the watermark minus this much. */
  overlapMs: number;
  /** How often a pass also compares the org's ids with the store's to find hard deletes. */
  reconcileEveryMs: number;
  /** Rows per Bulk result page. */
  maxRecords?: number;
  /** Accept-Encoding of Bulk result pages. */
  resultEncoding?: 'gzip' | 'identity';
  /** Records per REST query page (200–2,000); an incremental window expected to fit one is read by REST. */
  restPageRecords?: number;
}

export interface PassContext {
  pool: Pool;
  store: Store;
  conn: OrgConnection;
  orgId: string;
  jobId: string;
  scope: ObjectScope;
  pass: PassKind;
  checkpoint: PassCheckpoint | null;
  watermark: Date | null;
  lastReconciledAt: Date | null;
  options: PassOptions;
  /** Bounds the Bulk result pages all passes of this process hold at once. */
  pageMemory?: PageMemory;
  /** An orderly stop: the pass ends at its next page, after the last one's checkpoint. */
  signal?: AbortSignal;
  /** The object's last incremental pass found few changes: try one REST page before a Bulk job. */
  fewChangesExpected?: boolean;
  now: () => Date;
  log?: Logger;
}

export interface PassOutcome {
  watermark: Date;
  reconciledAt?: Date;
  /** Incremental passes: the records the window held (as read; a resumed pass counts what it read itself). */
  changes?: number;
}

/**
 * One object's pass of a job: its records (Bulk 2.0, or REST for objects Bulk refuses), then for
 * incremental passes the deletions getDeleted reports, then files, then, when due, an id
 * reconciliation that finds hard deletes. Each stored page moves the checkpoint, so a pass cut
 * short resumes where it stood.
 */
export async function runObjectPass(ctx: PassContext): Promise<PassOutcome> {
  const { scope } = ctx;
  const cp: PassCheckpoint = ctx.checkpoint ?? { startedAt: ctx.now().toISOString() };
  const incremental = ctx.pass === 'incremental' && scope.watermarkField !== null && ctx.watermark !== null;
  if (incremental && cp.from === undefined) cp.from = new Date(ctx.watermark!.getTime() - ctx.options.overlapMs).toISOString();
  if (!ctx.checkpoint) await recordProgress(ctx.pool, ctx.orgId, ctx.jobId, scope.name, {}, cp);

  const soql = passSoql(scope, incremental ? new Date(cp.from!) : undefined);
  let read: number | undefined;
  if (!cp.recordsDone) {
    if (scope.reader === 'rest') read = await restRecords(ctx, cp, soql);
    else {
      if (incremental && !cp.bulk && ctx.fewChangesExpected) read = await fewChangesByRest(ctx, soql);
      read ??= await bulkRecords(ctx, cp, soql);
    }
    cp.recordsDone = true;
    await recordProgress(ctx.pool, ctx.orgId, ctx.jobId, scope.name, {}, cp);
  }
  if (scope.blobFields.length > 0)
    await counted(ctx, async (spent) => {
      const files = await refetchLostFiles({ ...ctx, object: scope.name });
      const apiCalls = spent();
      if (apiCalls > 0) await recordProgress(ctx.pool, ctx.orgId, ctx.jobId, scope.name, { files, apiCalls });
    });
  const changes = incremental && read !== undefined ? { changes: read } : {};
  if (incremental) await deletions(ctx, new Date(cp.from!));

  const startedAt = new Date(cp.startedAt);
  const due = ctx.lastReconciledAt === null || startedAt.getTime() - ctx.lastReconciledAt.getTime() >= ctx.options.reconcileEveryMs;
  // A full pass has just read every id; reconciling then would find nothing the pass did not.
  if (ctx.pass === 'incremental' && due) {
    await reconcile(ctx);
    return { watermark: startedAt, reconciledAt: startedAt, ...changes };
  }
  return { watermark: startedAt, ...(ctx.pass === 'full' ? { reconciledAt: startedAt } : {}), ...changes };
}

/**
 * Runs one step of a pass with a counter of the API calls it makes (its own only: other passes
 * and services share the connection). `spent()` gives the calls since it was last asked.
 */
export function counted<T>(ctx: { conn: OrgConnection }, step: (spent: () => number) => Promise<T>): Promise<T> {
  const t = ctx.conn.budget.tally();
  let reported = 0;
  const spent = (): number => {
    const n = t.calls - reported;
    reported = t.calls;
    return n;
  };
  return t.run(() => step(spent));
}

async function bulkRecords(ctx: PassContext, cp: PassCheckpoint, soql: string): Promise<number> {
  const { scope } = ctx;
  const operation = scope.hasIsDeleted ? 'queryAll' : 'query';
  const query = createHash('sha256').update(`${operation}\n${soql}`).digest('base64url').slice(0, 22);
  // Checkpoints written before the digest existed name none: their job is checked by object and operation only.
  const resume = cp.bulk && (cp.bulk.query ?? query) === query ? cp.bulk : undefined;
  if (cp.bulk && !resume) readAgain(ctx, { bulkJobId: cp.bulk.jobId }, 'other query');
  let read = 0;
  await counted(ctx, async (spent) => {
    const pages = bulkQuery(ctx.conn, {
      soql,
      operation,
      object: scope.name,
      ...(resume ? { resume } : {}),
      ...(ctx.options.maxRecords ? { maxRecords: ctx.options.maxRecords } : {}),
      ...(ctx.options.resultEncoding ? { encoding: ctx.options.resultEncoding } : {}),
      ...(ctx.pageMemory ? { memory: ctx.pageMemory, firstPageBytes: firstPageGuess(ctx) } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      onJob: async (job) => {
        cp.bulk = { jobId: job.id, locator: null, query };
        await recordProgress(ctx.pool, ctx.orgId, ctx.jobId, scope.name, { apiCalls: spent() }, cp);
      },
      onStale: (stale) => readAgain(ctx, { bulkJobId: stale.jobId }, stale.reason),
    });
    for await (const page of pages) {
      await ctx.store.putCsvPage({ ...csvTarget(ctx, 'bulk'), csv: page.csv }, countStored(ctx));
      read += page.records;
      if (scope.blobFields.length > 0) await filesOfCsv(ctx, page.csv);
      cp.bulk = { jobId: page.jobId, locator: page.nextLocator, query };
      await recordProgress(ctx.pool, ctx.orgId, ctx.jobId, scope.name, { apiCalls: spent() }, cp);
    }
  });
  return read;
}

/**
 * A resumed pass whose reader cannot go on where its checkpoint stands (a Bulk job it cannot read
 * through, a query locator the org forgot): the object is read again from the pass's window
 * start, and the versions already stored are recognised.
 */
function readAgain(ctx: PassContext, from: { bulkJobId: string } | { locator: string }, reason: string): void {
  ctx.log?.info({ object: ctx.scope.name, ...from, reason }, 'checkpoint not usable: reading the object again');
}

/**
 * Counts what a put stored in its own transaction: a pass cut short between storing a page and
 * recording it would otherwise leave versions stored by this job that its totals never count
 * (the resumed pass finds them stored and skips them).
 */
function countStored(ctx: PassContext, as: 'records' | 'deleted' = 'records'): WithBatch {
  return (tx, r) =>
    recordProgress(tx, ctx.orgId, ctx.jobId, ctx.scope.name, {
      ...(as === 'records' ? { records: r.stored, bytes: r.storedBytes } : { deleted: r.stored }),
      inserted: r.inserted,
      updated: r.updated,
      removed: r.removed,
    });
}

/** Records per REST query page by default (Sforce-Query-Options batchSize, at most 2,000). */
export const REST_PAGE_RECORDS = 2000;

/**
 * An incremental window with few changes, read by one REST query page instead of a Bulk job:
 * one call instead of create + state check + result page, and no wait for the job to be
 * queued and run. The page is stored as Bulk's CSV (the same bytes, so a version re-read in the
 * overlap window is recognised as stored). Gives the records read, or undefined when the window
 * holds more than one page: the caller then runs the Bulk job (this call is the price of guessing wrong).
 */
async function fewChangesByRest(ctx: PassContext, soql: string): Promise<number | undefined> {
  const { scope } = ctx;
  return counted(ctx, async (spent) => {
    const pages = restQuery(ctx.conn, soql, {
      all: scope.hasIsDeleted,
      batchSize: ctx.options.restPageRecords ?? REST_PAGE_RECORDS,
    });
    const first = (await pages.next()).value;
    await pages.return(undefined);
    if (!first || first.nextRecordsUrl !== null) {
      await recordProgress(ctx.pool, ctx.orgId, ctx.jobId, scope.name, { apiCalls: spent() });
      return undefined;
    }
    const csv = recordsToCsv(scope.fields, scope.fieldTypes, first.records);
    if (first.records.length > 0) await ctx.store.putCsvPage({ ...csvTarget(ctx, 'rest'), csv }, countStored(ctx));
    if (scope.blobFields.length > 0 && first.records.length > 0) await filesOfCsv(ctx, csv);
    await recordProgress(ctx.pool, ctx.orgId, ctx.jobId, scope.name, { apiCalls: spent() });
    return first.records.length;
  });
}

/** Where a CSV page of this pass goes, and which of its columns the catalog reads. */
function csvTarget(ctx: PassContext, source: string) {
  const { scope } = ctx;
  return {
    orgId: ctx.orgId,
    object: scope.name,
    source,
    jobId: ctx.jobId,
    columns: { id: 'Id', modstamp: scope.watermarkField ?? 'CreatedDate', ...(scope.hasIsDeleted ? { deleted: 'IsDeleted' } : {}) },
  };
}

/** A first result page's size before any page is seen: ~16 bytes per quoted CSV field (Account at 1M: 12.6). */
function firstPageGuess(ctx: PassContext): number {
  return (ctx.options.maxRecords ?? DEFAULT_MAX_RECORDS) * ctx.scope.fields.length * 16;
}

/** REST records as the store's JSON records: parent objects and `attributes` dropped. */
export function toJsonRecord(
  scope: ObjectScope,
  r: SObjectRecord,
): { id: string; validFrom: string; deleted: boolean; fields: Record<string, unknown> } {
  const fields: Record<string, unknown> = {};
  for (const f of scope.fields) fields[f] = r[f] ?? null;
  return {
    id: String(r.Id),
    validFrom: String(r[scope.watermarkField ?? 'CreatedDate']),
    deleted: r.IsDeleted === true,
    fields,
  };
}

async function restRecords(ctx: PassContext, cp: PassCheckpoint, soql: string): Promise<number> {
  const { scope } = ctx;
  let read = 0;
  await counted(ctx, async (spent) => {
    const pages = restQuery(ctx.conn, soql, {
      all: scope.hasIsDeleted,
      batchSize: ctx.options.restPageRecords ?? REST_PAGE_RECORDS,
      ...(cp.rest?.next ? { fromNextRecordsUrl: cp.rest.next } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      onLostLocator: () => readAgain(ctx, { locator: cp.rest!.next! }, 'gone'),
    });
    for await (const page of pages) {
      const records = page.records.map((r) => toJsonRecord(scope, r));
      read += records.length;
      if (records.length > 0)
        await ctx.store.putRecords({ orgId: ctx.orgId, object: scope.name, source: 'rest', jobId: ctx.jobId, records }, countStored(ctx));
      for (const r of records) await fileOf(ctx, r.id, r.validFrom, r.deleted);
      cp.rest = { next: page.nextRecordsUrl };
      await recordProgress(ctx.pool, ctx.orgId, ctx.jobId, scope.name, { apiCalls: spent() }, cp);
    }
  });
  return read;
}

async function filesOfCsv(ctx: PassContext, csv: Buffer): Promise<void> {
  const stamp = ctx.scope.watermarkField ?? 'CreatedDate';
  const rows = parse(csv, { columns: true, skip_empty_lines: true }) as Array<Record<string, string>>;
  for (const row of rows) await fileOf(ctx, row.Id!, row[stamp]!, row.IsDeleted === 'true');
}

/**
 * Streams each blob field of one record version into the store, unless that version's file is
 * already there. A ContentVersion's VersionData never changes, so any stored copy will do. Each
 * file is counted in the transaction that records it, as pages are (see countStored).
 */
async function fileOf(ctx: PassContext, id: string, validFrom: string, deleted: boolean): Promise<void> {
  if (deleted) return;
  // A stop ends a page's files half-way: its checkpoint still points before the page, whose stored
  // records and files the resumed pass recognises.
  ctx.signal?.throwIfAborted();
  const { scope } = ctx;
  const refs = await ctx.store.blobRefsOf(ctx.orgId, scope.name, id);
  for (const field of scope.blobFields) {
    const have = refs.filter((r) => r.field === field);
    const at = new Date(validFrom).getTime();
    if (have.some((r) => r.validFrom.getTime() === at) || (scope.name === 'ContentVersion' && have.length > 0)) continue;
    await downloadBlob(ctx.conn, { sobject: scope.name, id, field }, (blob) =>
      ctx.store.putBlob(
        { orgId: ctx.orgId, object: scope.name, recordId: id, field, validFrom, source: 'backup', jobId: ctx.jobId },
        blob.stream,
        undefined,
        (tx) => recordProgress(tx, ctx.orgId, ctx.jobId, scope.name, { files: 1 }),
      ),
    );
  }
}

async function storeTombstones(
  ctx: PassContext,
  source: string,
  tombstones: Array<{ id: string; deletedAt: Date | string }>,
  apiCalls: number,
): Promise<void> {
  const { scope } = ctx;
  if (tombstones.length > 0)
    await ctx.store.putTombstones(
      { orgId: ctx.orgId, object: scope.name, source, jobId: ctx.jobId, tombstones },
      countStored(ctx, 'deleted'),
    );
  await recordProgress(ctx.pool, ctx.orgId, ctx.jobId, scope.name, { apiCalls });
}

/** Deletions in the pass's window, as getDeleted reports them (also records purged from the recycle bin). */
async function deletions(ctx: PassContext, from: Date): Promise<void> {
  const { scope } = ctx;
  const now = ctx.now();
  const start = new Date(Math.max(from.getTime(), windowStart('deleted', now).getTime() + 60_000));
  if (now.getTime() - start.getTime() < 60_000) return;
  await counted(ctx, async (spent) => {
    const res = await getDeleted(ctx.conn, scope.name, start, now);
    await storeTombstones(
      ctx,
      'getDeleted',
      res.deletedRecords.map((d) => ({ id: d.id, deletedAt: d.deletedDate })),
      spent(),
    );
  });
}

/**
 * Hard deletes leave no trace a query can see once getDeleted's 15 days have passed: compare the
 * ids the org has with the ids the store holds as present, and record the missing as deleted now.
 */
async function reconcile(ctx: PassContext): Promise<void> {
  const { scope } = ctx;
  await counted(ctx, async (spent) => {
    const orgIds = new Set<string>();
    const soql = idsSoql(scope.name);
    if (scope.reader === 'bulk') {
      const pages = bulkQuery(ctx.conn, { soql, operation: 'query', ...(ctx.pageMemory ? { memory: ctx.pageMemory } : {}) });
      for await (const page of pages) {
        const text = page.csv.toString('utf8');
        for (const line of text.split('\n').slice(1)) {
          const id = line.replace(/"/g, '').trim();
          if (id) orgIds.add(id);
        }
      }
    } else {
      for await (const page of restQuery(ctx.conn, soql, { batchSize: 2000 })) for (const r of page.records) orgIds.add(String(r.Id));
    }
    // Gone by the time the org answered: that is the latest moment we can vouch for.
    const at = ctx.now();
    const tombstones: Array<{ id: string; deletedAt: Date }> = [];
    for await (const id of ctx.store.idsAt({ orgId: ctx.orgId, object: scope.name, at }))
      if (!orgIds.has(id)) tombstones.push({ id, deletedAt: at });
    await storeTombstones(ctx, 'reconcile', tombstones, spent());
  });
}
