import { parse } from 'csv-parse/sync';
import type { Pool } from '../infra/db.js';
import type { Store } from '../store/store.js';
import type { OrgConnection } from '../salesforce/connection.js';
import type { ObjectScope } from '../salesforce/scope.js';
import { selectSoql } from '../salesforce/scope.js';
import { bulkQuery } from '../salesforce/bulk2-query.js';
import { restQuery, type SObjectRecord } from '../salesforce/rest-query.js';
import { getDeleted, windowStart } from '../salesforce/replication.js';
import { downloadBlob } from '../salesforce/blob.js';
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
  now: () => Date;
}

export interface PassOutcome {
  watermark: Date;
  reconciledAt?: Date;
}

/** SOQL datetime literal: no quotes, UTC. */
const soqlTime = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

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

  const where = incremental ? `${scope.watermarkField} >= ${soqlTime(new Date(cp.from!))}` : undefined;
  if (!cp.recordsDone) {
    if (scope.reader === 'bulk') await bulkRecords(ctx, cp, where);
    else await restRecords(ctx, cp, where);
    cp.recordsDone = true;
    await recordProgress(ctx.pool, ctx.orgId, ctx.jobId, scope.name, {}, cp);
  }
  if (incremental) await deletions(ctx, new Date(cp.from!));
  const startedAt = new Date(cp.startedAt);
  const due = ctx.lastReconciledAt === null || startedAt.getTime() - ctx.lastReconciledAt.getTime() >= ctx.options.reconcileEveryMs;
  // A full pass has just read every id; reconciling then would find nothing the pass did not.
  if (ctx.pass === 'incremental' && due) {
    await reconcile(ctx);
    return { watermark: startedAt, reconciledAt: startedAt };
  }
  return { watermark: startedAt, ...(ctx.pass === 'full' ? { reconciledAt: startedAt } : {}) };
}

function tally(ctx: PassContext): { calls: () => number; stop: () => void } {
  const t = ctx.conn.budget.tally();
  return { calls: () => t.calls, stop: () => t.stop() };
}

async function bulkRecords(ctx: PassContext, cp: PassCheckpoint, where: string | undefined): Promise<void> {
  const { scope } = ctx;
  const t = tally(ctx);
  let counted = 0;
  const spent = (): number => {
    const n = t.calls() - counted;
    counted = t.calls();
    return n;
  };
  try {
    const pages = bulkQuery(ctx.conn, {
      soql: selectSoql(scope, where),
      operation: scope.hasIsDeleted ? 'queryAll' : 'query',
      ...(cp.bulk ? { resume: cp.bulk } : {}),
      ...(ctx.options.maxRecords ? { maxRecords: ctx.options.maxRecords } : {}),
      ...(ctx.options.resultEncoding ? { encoding: ctx.options.resultEncoding } : {}),
      onJob: async (job) => {
        cp.bulk = { jobId: job.id, locator: null };
        await recordProgress(ctx.pool, ctx.orgId, ctx.jobId, scope.name, { apiCalls: spent() }, cp);
      },
    });
    for await (const page of pages) {
      const result = await ctx.store.putCsvPage({
        orgId: ctx.orgId,
        object: scope.name,
        source: 'bulk',
        jobId: ctx.jobId,
        csv: page.csv,
        columns: { id: 'Id', modstamp: scope.watermarkField ?? 'CreatedDate', ...(scope.hasIsDeleted ? { deleted: 'IsDeleted' } : {}) },
      });
      const files = scope.blobFields.length > 0 ? await filesOfCsv(ctx, page.csv) : 0;
      cp.bulk = { jobId: page.jobId, locator: page.nextLocator };
      await recordProgress(
        ctx.pool,
        ctx.orgId,
        ctx.jobId,
        scope.name,
        { records: result.stored, bytes: result.storedBytes, files, apiCalls: spent() },
        cp,
      );
    }
  } finally {
    t.stop();
  }
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

async function restRecords(ctx: PassContext, cp: PassCheckpoint, where: string | undefined): Promise<void> {
  const { scope } = ctx;
  const t = tally(ctx);
  let counted = 0;
  try {
    const pages = restQuery(ctx.conn, selectSoql(scope, where), {
      all: scope.hasIsDeleted,
      batchSize: 2000,
      ...(cp.rest?.next ? { fromNextRecordsUrl: cp.rest.next } : {}),
    });
    for await (const page of pages) {
      const records = page.records.map((r) => toJsonRecord(scope, r));
      const result =
        records.length > 0
          ? await ctx.store.putRecords({ orgId: ctx.orgId, object: scope.name, source: 'rest', jobId: ctx.jobId, records })
          : undefined;
      let files = 0;
      for (const r of records) files += await fileOf(ctx, r.id, r.validFrom, r.deleted);
      cp.rest = { next: page.nextRecordsUrl };
      await recordProgress(
        ctx.pool,
        ctx.orgId,
        ctx.jobId,
        scope.name,
        { records: result?.stored ?? 0, bytes: result?.storedBytes ?? 0, files, apiCalls: t.calls() - counted },
        cp,
      );
      counted = t.calls();
    }
  } finally {
    t.stop();
  }
}

async function filesOfCsv(ctx: PassContext, csv: Buffer): Promise<number> {
  const stamp = ctx.scope.watermarkField ?? 'CreatedDate';
  const rows = parse(csv, { columns: true, skip_empty_lines: true }) as Array<Record<string, string>>;
  let files = 0;
  for (const row of rows) files += await fileOf(ctx, row.Id!, row[stamp]!, row.IsDeleted === 'true');
  return files;
}

/**
 * Streams each blob field of one record version into the store, unless that version's file is
 * already there. A ContentVersion's VersionData never changes, so any stored copy will do.
 */
async function fileOf(ctx: PassContext, id: string, validFrom: string, deleted: boolean): Promise<number> {
  if (deleted) return 0;
  const { scope } = ctx;
  const refs = await ctx.store.blobRefsOf(ctx.orgId, scope.name, id);
  let stored = 0;
  for (const field of scope.blobFields) {
    const have = refs.filter((r) => r.field === field);
    const at = new Date(validFrom).getTime();
    if (have.some((r) => r.validFrom.getTime() === at) || (scope.name === 'ContentVersion' && have.length > 0)) continue;
    await downloadBlob(ctx.conn, { sobject: scope.name, id, field }, (blob) =>
      ctx.store.putBlob(
        { orgId: ctx.orgId, object: scope.name, recordId: id, field, validFrom, source: 'backup', jobId: ctx.jobId },
        blob.stream,
      ),
    );
    stored++;
  }
  return stored;
}

async function storeTombstones(
  ctx: PassContext,
  source: string,
  tombstones: Array<{ id: string; deletedAt: Date | string }>,
  apiCalls: number,
): Promise<void> {
  const { scope } = ctx;
  const result =
    tombstones.length > 0
      ? await ctx.store.putTombstones({ orgId: ctx.orgId, object: scope.name, source, jobId: ctx.jobId, tombstones })
      : undefined;
  await recordProgress(ctx.pool, ctx.orgId, ctx.jobId, scope.name, { deleted: result?.stored ?? 0, apiCalls });
}

/** Deletions in the pass's window, as getDeleted reports them (also records purged from the recycle bin). */
async function deletions(ctx: PassContext, from: Date): Promise<void> {
  const { scope } = ctx;
  const now = ctx.now();
  const start = new Date(Math.max(from.getTime(), windowStart('deleted', now).getTime() + 60_000));
  if (now.getTime() - start.getTime() < 60_000) return;
  const t = tally(ctx);
  try {
    const res = await getDeleted(ctx.conn, scope.name, start, now);
    await storeTombstones(
      ctx,
      'getDeleted',
      res.deletedRecords.map((d) => ({ id: d.id, deletedAt: d.deletedDate })),
      t.calls(),
    );
  } finally {
    t.stop();
  }
}

/**
 * Hard deletes leave no trace a query can see once getDeleted's 15 days have passed: compare the
 * ids the org has with the ids the store holds as present, and record the missing as deleted now.
 */
async function reconcile(ctx: PassContext): Promise<void> {
  const { scope } = ctx;
  const t = tally(ctx);
  try {
    const orgIds = new Set<string>();
    const soql = `SELECT Id FROM ${scope.name}`;
    if (scope.reader === 'bulk') {
      for await (const page of bulkQuery(ctx.conn, { soql, operation: 'query' })) {
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
    await storeTombstones(ctx, 'reconcile', tombstones, t.calls());
  } finally {
    t.stop();
  }
}
