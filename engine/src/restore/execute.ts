/**
 * Executing a planned restore: per object, parents first, the undeletes (SOAP, 200 a call; a
 * refused one is re-created instead), the creates (Bulk API 2.0 ingest from the threshold on,
 * sObject collections below it, one multipart REST create per record with a file) and the
 * updates; then pass two's lookups, then the survivors' cleared lookups. Creates are noted in
 * flight before they are sent; each call's outcome goes to the ledger as it comes back.
 */
import { stringify } from 'csv-stringify/sync';
import { OrgVaultError } from '../errors.js';
import type { Store, StoredRecord } from '../store/store.js';
import { saveCollection, COLLECTION_SIZE, type SaveResult } from '../salesforce/collections.js';
import { runIngestJob, type IngestRequest, type IngestResult } from '../salesforce/bulk2-ingest.js';
import type { PollOptions } from '../salesforce/bulk2-jobs.js';
import { recordsByIds } from '../salesforce/record-queries.js';
import { undeleteRecords, UNDELETE_SIZE } from '../salesforce/soap.js';
import type { RestoreLedger, ResultRow } from './ledger.js';
import type { RestoreRuns } from './runs.js';
import { SentRows } from './recover.js';
import { backedUpLinks, createWithFile, documentOwners, firstVersionFields, mapDocuments } from './files.js';
import { createBody, stepOf, targetIdOf } from './step.js';
import { survivorUpdates } from './survivors.js';
import { BULK_CALLS, type ObjectWork, type Planned, type RunCtx, type Update } from './types.js';

export interface WriterDeps {
  store: Store;
  ledger: RestoreLedger;
  runs: RestoreRuns;
}

type Relink = { object: string; oldId: string; field: string; ref: string };

function errorText(errors: SaveResult['errors']): string {
  return errors.map((e) => `${e.statusCode}: ${e.message}${e.fields.length ? ` (${e.fields.join(', ')})` : ''}`).join('; ');
}

/** Bulk CSV of the given bodies; on update an empty value means "set null" (`#N/A`). */
function toCsv(bodies: Record<string, unknown>[], operation: 'insert' | 'update'): { columns: string[]; csv: string; rows: string[][] } {
  const columns = [...new Set(bodies.flatMap((b) => Object.keys(b)))];
  const cell = (v: unknown): string => (v === null ? (operation === 'update' ? '#N/A' : '') : v === undefined ? '' : String(v));
  const rows = bodies.map((b) => columns.map((c) => cell(b[c])));
  return { columns, csv: stringify([columns, ...rows]), rows };
}

const target = (ctx: RunCtx): { targetOrgId: string; sourceOrgId: string; runId: string } => ({
  targetOrgId: ctx.target,
  sourceOrgId: ctx.req.orgId,
  runId: ctx.runId,
});

export class RestoreWriter {
  /** Per target org, its ingest speed seen on the latest Bulk job (rows per ms). */
  readonly #ingestRowsPerMs = new Map<string, number>();

  constructor(
    private readonly deps: WriterDeps,
    private readonly options: { bulkThreshold: number; pollMs?: number },
  ) {}

  /** Writes a plan, parents first; `signal` stops it between objects. */
  async write(ctx: RunCtx, p: Planned, signal?: AbortSignal): Promise<void> {
    const relinks: Relink[] = [];
    let undeleted = false;
    for (const object of p.order) {
      signal?.throwIfAborted();
      const w = p.works.get(object)!;
      // Recomputed now: lookups to parents created a moment ago resolve to their new ids.
      let step = stepOf(ctx, w);
      if (step.undeletes.length) {
        await this.undelete(ctx, w, step.undeletes, undeleted);
        undeleted = true;
        // Undeleted records are live now; refused ones are re-created.
        step = stepOf(ctx, w);
      }
      await this.create(ctx, w, step.creates);
      await this.update(ctx, w.object, step.updates, 'update');
      relinks.push(...step.relinks.map((r) => ({ object, ...r })));
    }
    // Pass two: lookups to records that did not exist yet when their referrer was created.
    for (const object of p.order) {
      signal?.throwIfAborted();
      await this.update(ctx, object, this.relinkUpdates(ctx, relinks, object), 'relink');
    }
    for (const s of p.survivors) {
      signal?.throwIfAborted();
      const updates = await survivorUpdates(ctx, s);
      // What the run found to set, whatever the plan foresaw (an undelete that was refused, lookups Salesforce set itself).
      s.cleared = updates.length;
      await this.update(ctx, s.object, updates, 'relink');
    }
  }

  /**
   * Brings records back from the Recycle Bin with their ids. After earlier undeletes the bin is
   * asked again: records deleted with a parent came back with it, and one no longer there (purged,
   * hard-deleted) is re-created. A record Salesforce refuses to undelete (its master is deleted,
   * the bin was emptied meanwhile) is re-created too, its refusal kept for the failure row.
   */
  private async undelete(ctx: RunCtx, w: ObjectWork, recs: StoredRecord[], recheck: boolean): Promise<void> {
    const byTarget = new Map(recs.map((r) => [targetIdOf(ctx, r.id)!, r]));
    const rows: ResultRow[] = [];
    const refused = new Map<string, string>();
    const row = (id: string, success: boolean, error: string | null): ResultRow => ({
      object: w.object,
      operation: 'undelete',
      oldId: byTarget.get(id)!.id,
      newId: id,
      success,
      error,
    });
    let pending = [...byTarget.keys()];
    if (recheck) {
      const now = new Map((await recordsByIds(ctx.conn, w.object, ['IsDeleted'], pending, { all: true })).map((r) => [String(r.Id), r]));
      for (const id of pending.filter((x) => now.get(x)?.IsDeleted === false)) rows.push(row(id, true, null));
      for (const id of pending.filter((x) => !now.has(x))) refused.set(id, 'not in the Recycle Bin any more');
      pending = pending.filter((x) => now.get(x)?.IsDeleted === true);
    }
    // Records that come back with a parent (a file's versions with their document) share its call and its answer.
    const via = (id: string): string => w.undeleteVia.get(id) ?? id;
    const parents = [...new Set(pending.map(via))];
    const answers = new Map<string, string | null>();
    for (let i = 0; i < parents.length; i += UNDELETE_SIZE) {
      const part = parents.slice(i, i + UNDELETE_SIZE);
      ctx.conn.budget.assertMaySpend(1);
      const results = await undeleteRecords(ctx.conn, part);
      results.forEach((r, k) => answers.set(part[k]!, r.success ? null : errorText(r.errors)));
    }
    for (const id of pending) {
      const why = answers.get(via(id));
      if (why === null) rows.push(row(id, true, null));
      else refused.set(id, why ?? 'no answer to its undelete');
    }
    for (const r of rows) {
      w.live.set(r.newId!, w.binned.get(r.newId!)!);
      w.binned.delete(r.newId!);
    }
    for (const [id, why] of refused) {
      const oldId = byTarget.get(id)!.id;
      w.binned.delete(id);
      ctx.undeleteSet.delete(oldId);
      ctx.createSet.add(oldId);
      ctx.refusals.set(oldId, why);
    }
    await this.keep(ctx, rows);
  }

  private relinkUpdates(ctx: RunCtx, relinks: Relink[], object: string): Update[] {
    const byRecord = new Map<string, Record<string, unknown>>();
    for (const r of relinks.filter((x) => x.object === object)) {
      const targetId = targetIdOf(ctx, r.oldId);
      const value = ctx.idMap.get(r.ref) ?? (ctx.restored.has(r.ref) ? targetIdOf(ctx, r.ref) : undefined);
      if (!targetId || !value) continue;
      const values = byRecord.get(r.oldId) ?? {};
      values[r.field] = value;
      byRecord.set(r.oldId, values);
    }
    return [...byRecord].map(([oldId, values]) => ({ oldId, targetId: ctx.idMap.get(oldId) ?? oldId, values }));
  }

  /**
   * Creates, noted in flight before they are sent (a Bulk job as soon as it exists), and recorded
   * with the note removed in one transaction: a crash in between leaves the note, which the next
   * run settles (recover.ts) before it plans.
   */
  private async create(ctx: RunCtx, w: ObjectWork, creates: StoredRecord[]): Promise<void> {
    if (!creates.length) return;
    if (w.blobFields.length) return this.createWithFiles(ctx, w, creates);
    const oldIds = creates.map((r) => r.id);
    const bodies = creates.map((r) => createBody(ctx, w, r));
    const { columns, csv, rows } = toCsv(bodies, 'insert');
    if (creates.length >= this.options.bulkThreshold) {
      ctx.conn.budget.assertMaySpend(BULK_CALLS);
      let note: string | undefined;
      const onOpen = async (jobId: string): Promise<void> =>
        void (note = await this.deps.ledger.sending(target(ctx), { object: w.object, sfJobId: jobId, oldIds, csv }));
      const res = await this.ingest(ctx, { object: w.object, operation: 'insert', csv, onOpen }, oldIds.length);
      await this.keep(ctx, new SentRows(columns, rows, oldIds).results(w.object, res), note);
      return;
    }
    for (let i = 0; i < creates.length; i += COLLECTION_SIZE) {
      ctx.conn.budget.assertMaySpend(1);
      const ids = oldIds.slice(i, i + COLLECTION_SIZE);
      const part = stringify([columns, ...rows.slice(i, i + COLLECTION_SIZE)]);
      const note = await this.deps.ledger.sending(target(ctx), { object: w.object, oldIds: ids, csv: part });
      const saved = await saveCollection(ctx.conn, 'create', w.object, bodies.slice(i, i + COLLECTION_SIZE));
      const results = saved.map((s, j): ResultRow => ({
        object: w.object,
        operation: 'create',
        oldId: ids[j]!,
        newId: s.success ? s.id : null,
        success: s.success,
        error: s.success ? null : errorText(s.errors),
      }));
      await this.keep(ctx, results, note);
    }
  }

  /** Records with files (ContentVersion, Attachment, Document): one REST create each, the file streamed in. */
  private async createWithFiles(ctx: RunCtx, w: ObjectWork, creates: StoredRecord[]): Promise<void> {
    const refs = new Map<string, Map<string, { hash: string; size: number }>>();
    for await (const ref of this.deps.store.blobRefsAt({ orgId: ctx.req.orgId, object: w.object, at: ctx.at })) {
      const m = refs.get(ref.recordId) ?? new Map<string, { hash: string; size: number }>();
      m.set(ref.field, { hash: ref.contentHash, size: ref.size });
      refs.set(ref.recordId, m);
    }
    // Versions settled after a crash are mapped; their documents must be too, for later versions to join them.
    if (w.object === 'ContentVersion') await mapDocuments(ctx.conn, this.deps.ledger, target(ctx), ctx.idMap, w.records);
    // Versions of one document in their order: the first makes the document, the next join it.
    const ordered = [...creates].sort((a, b) => Number(a.fields.VersionNumber ?? 0) - Number(b.fields.VersionNumber ?? 0));
    const docOf = (v: StoredRecord): string => String(v.fields.ContentDocumentId ?? '');
    const files = w.object === 'ContentVersion';
    const docs = new Set(creates.map(docOf));
    const owners = files ? await documentOwners(this.deps.store, ctx.req.orgId, ctx.at, [...docs]) : undefined;
    const linked = files ? await backedUpLinks(this.deps.store, ctx.req.orgId, ctx.at, docs) : undefined;
    for (const rec of ordered) {
      // The version that makes the document: its owner and its automatic links as the backup had them.
      const first = owners && !ctx.idMap.has(docOf(rec));
      const made = await this.createOneWithFile(
        ctx,
        w,
        first ? { ...rec, fields: firstVersionFields(rec.fields, owners.get(docOf(rec)), linked) } : rec,
        refs.get(rec.id),
      );
      if (made && w.object === 'ContentVersion') await mapDocuments(ctx.conn, this.deps.ledger, target(ctx), ctx.idMap, [rec]);
    }
  }

  private async createOneWithFile(
    ctx: RunCtx,
    w: ObjectWork,
    rec: StoredRecord,
    files: Map<string, { hash: string; size: number }> | undefined,
  ): Promise<boolean> {
    const body = createBody(ctx, w, rec);
    const field = w.blobFields.find((f) => files?.has(f));
    ctx.conn.budget.assertMaySpend(2);
    // Noted first: a crash during the upload leaves the note, and the next run finds the record by its fields.
    const note = await this.deps.ledger.sending(target(ctx), { object: w.object, oldIds: [rec.id], csv: toCsv([body], 'insert').csv });
    // The file streams from the store into a multipart create (any size Salesforce takes, bounded memory).
    const made = field
      ? await createWithFile(ctx.conn, this.deps.store, ctx.req.orgId, w.object, body, field, files!.get(field)!)
      : await ctx.conn.http
          .json<{ id: string }>({ method: 'POST', path: `sobjects/${w.object}`, json: body, what: `create ${w.object}` })
          .catch((err: unknown) => {
            if (!OrgVaultError.is(err, 'ORG_API_ERROR')) throw err;
            return { error: err.message };
          });
    const row: ResultRow = { object: w.object, operation: 'create', oldId: rec.id, newId: null, success: false, error: null };
    await this.keep(ctx, ['id' in made ? { ...row, newId: made.id, success: true } : { ...row, error: made.error }], note);
    return 'id' in made;
  }

  private async update(ctx: RunCtx, object: string, updates: Update[], operation: 'update' | 'relink'): Promise<void> {
    if (!updates.length) return;
    const row = (u: Update, success: boolean, error: string | null): ResultRow => ({
      object,
      operation,
      oldId: u.oldId,
      newId: u.targetId,
      success,
      error,
    });
    if (updates.length >= this.options.bulkThreshold) {
      ctx.conn.budget.assertMaySpend(BULK_CALLS);
      const bodies = updates.map((u) => ({ Id: u.targetId, ...u.values }));
      const res = await this.ingest(ctx, { object, operation: 'update', csv: toCsv(bodies, 'update').csv }, bodies.length);
      const byId = new Map(updates.map((u) => [u.targetId, u]));
      const rows: ResultRow[] = [];
      for (const r of res.successful) if (byId.has(r.Id ?? r.sf__Id ?? '')) rows.push(row(byId.get(r.Id ?? r.sf__Id!)!, true, null));
      for (const r of [...res.failed, ...res.unprocessed])
        if (byId.has(r.Id ?? '')) rows.push(row(byId.get(r.Id!)!, false, r.sf__Error ?? 'Unprocessed'));
      await this.keep(ctx, rows);
      return;
    }
    for (let i = 0; i < updates.length; i += COLLECTION_SIZE) {
      const part = updates.slice(i, i + COLLECTION_SIZE);
      ctx.conn.budget.assertMaySpend(1);
      const saved = await saveCollection(
        ctx.conn,
        'update',
        object,
        part.map((u) => ({ Id: u.targetId, ...u.values })),
      );
      await this.keep(
        ctx,
        saved.map((s, k) => row(part[k]!, s.success, s.success ? null : errorText(s.errors))),
      );
    }
  }

  /**
   * How a Bulk job is waited for. With the org's ingest speed seen on an earlier job, the first
   * check waits until the job should about be done: each check is an API call.
   */
  poll(orgId?: string, rows = 0): { poll?: PollOptions } {
    const speed = orgId ? this.#ingestRowsPerMs.get(orgId) : undefined;
    const firstCheckMs = speed && rows ? Math.round((0.8 * rows) / speed) : 0;
    const base = this.options.pollMs ? { initialDelayMs: this.options.pollMs, maxDelayMs: this.options.pollMs * 4 } : {};
    return firstCheckMs || this.options.pollMs ? { poll: { ...base, ...(firstCheckMs ? { firstCheckMs } : {}) } } : {};
  }

  /** Runs an ingest job, learning the org's ingest speed (rows per ms, the latest job's) for the next one's first check. */
  private async ingest(ctx: RunCtx, req: Omit<IngestRequest, 'poll'>, rows: number): Promise<IngestResult> {
    const started = Date.now();
    const res = await runIngestJob(ctx.conn, { ...req, ...this.poll(ctx.target, rows) });
    // Salesforce's own processing time where it gives one (waiting longer than that only adds latency).
    this.#ingestRowsPerMs.set(ctx.target, rows / Math.max(1, res.job.totalProcessingTime || Date.now() - started));
    return res;
  }

  /**
   * Records a call's outcome (and removes its in-flight note); progress counts the records
   * written. A failed re-create of a record Salesforce would not undelete says both why.
   */
  private async keep(ctx: RunCtx, rows: ResultRow[], settles?: string): Promise<void> {
    for (const r of rows) {
      const refusal = r.operation === 'create' ? ctx.refusals.get(r.oldId) : undefined;
      if (refusal && !r.success) r.error = `undelete refused (${refusal}); create: ${r.error}`;
    }
    await this.deps.ledger.record(target(ctx), rows, settles);
    for (const r of rows) {
      if (!r.success) continue;
      if (r.operation === 'create' && r.newId) ctx.idMap.set(r.oldId, r.newId);
      if (r.operation === 'create' || r.operation === 'undelete') ctx.restored.add(r.oldId);
    }
    ctx.progress.done += rows.length;
    if (ctx.run && rows.length) await this.deps.runs.progress(ctx.run, ctx.progress);
  }
}
