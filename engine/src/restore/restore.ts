import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { stringify } from 'csv-stringify/sync';
import { OrgVaultError } from '../errors.js';
import type { Store, StoredRecord } from '../store/store.js';
import type { OrgConnection } from '../salesforce/connection.js';
import { describeGlobal, describeSObject } from '../salesforce/describe.js';
import type { DescribeField } from '../salesforce/scope.js';
import { saveCollection, COLLECTION_SIZE, type SaveResult } from '../salesforce/collections.js';
import { runIngestJob, type IngestResultRow } from '../salesforce/bulk2-ingest.js';
import type { PollOptions } from '../salesforce/bulk2-jobs.js';
import { queryRecords } from '../salesforce/rest-query.js';
import { getJob } from '../backup/jobs.js';
import { RestoreLedger, type ResultRow } from './ledger.js';
import { parentsFirst } from './order.js';
import { apiValue, normalValue, writableFields } from './values.js';
import { LINK_OBJECT, createWithFile, planLinks, restoreLinks, type LinkRestoreContext } from './files.js';

export type RestoreMode = 'changed' | 'deleted' | 'overwrite';

export interface RestoreRequest {
  /** The org whose backup is read. */
  orgId: string;
  /** Where records go (default: the same org, in place). */
  targetOrgId?: string;
  /** A backup job or recovery point: its finishedAt is the time restored. */
  jobId?: string;
  at?: Date;
  objects: string[];
  /** Only these records (of the chosen objects). */
  recordIds?: string[];
  mode?: RestoreMode;
  dryRun?: boolean;
  by?: string | null;
}

export interface ObjectPlan {
  object: string;
  backedUp: number;
  create: number;
  update: number;
  /** Lookups set in the second pass (records that refer to each other or to themselves). */
  relink: number;
  /** Per field, how many records it changes on. */
  fieldsChanged: Record<string, number>;
  apiCalls: number;
}

export interface RestoreOutcome {
  runId: string | null;
  dryRun: boolean;
  at: Date;
  mode: RestoreMode;
  targetOrgId: string;
  objects: ObjectPlan[];
  /** Calls the writes will cost (dry run) or cost (a run); reads for planning are in `planningCalls`. */
  apiCalls: number;
  planningCalls: number;
  succeeded: number;
  failed: number;
}

export interface RestoreOptions {
  /** From this many records per step on, Bulk API 2.0 ingest; below it, sObject collections. */
  bulkThreshold: number;
  pollMs?: number;
}

const BULK_CALLS = 7; // create, upload, close, one status poll, three result files
const IN_CHUNK = 300;

type Ref = { kind: 'value'; value: string | null } | { kind: 'defer' } | { kind: 'omit' };

interface ObjectWork {
  object: string;
  fields: DescribeField[];
  byName: Map<string, DescribeField>;
  blobFields: string[];
  records: StoredRecord[];
  /** Live records of the target, by id. */
  live: Map<string, Record<string, unknown>>;
}

interface Step {
  creates: StoredRecord[];
  updates: { oldId: string; targetId: string; values: Record<string, unknown> }[];
  relinks: { oldId: string; field: string; ref: string }[];
  fieldsChanged: Record<string, number>;
}

interface RunCtx {
  req: RestoreRequest;
  runId: string;
  target: string;
  inPlace: boolean;
  at: Date;
  mode: RestoreMode;
  conn: OrgConnection;
  idMap: Map<string, string>;
  /** Old ids of every record this run re-creates. */
  createSet: Set<string>;
  /** Objects the target can create records of. */
  createable: Set<string>;
  /** Dry run: old ids of records earlier objects would have re-created by now (lookups to them are set at once). */
  planned?: Set<string>;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function errorText(errors: SaveResult['errors']): string {
  return errors.map((e) => `${e.statusCode}: ${e.message}${e.fields.length ? ` (${e.fields.join(', ')})` : ''}`).join('; ');
}

/**
 * Restore: reads records as they were at a time from the store, compares them with the target
 * org, and writes what differs — parents first, re-created records under new ids kept in the id
 * map, lookups between re-created records set in a second pass.
 */
export class RestoreService {
  readonly ledger: RestoreLedger;

  constructor(
    private readonly deps: { pool: Pool; store: Store; connectionTo: (orgId: string) => Promise<OrgConnection> },
    private readonly options: RestoreOptions,
  ) {
    this.ledger = new RestoreLedger(deps.pool);
  }

  async resolveAt(orgId: string, req: { jobId?: string; at?: Date }): Promise<Date> {
    if (req.jobId) {
      const job = await getJob(this.deps.pool, orgId, req.jobId);
      if (!job.finishedAt || job.status !== 'succeeded') {
        throw new OrgVaultError('CONFLICT', `Job ${req.jobId} has not finished successfully`, {
          actions: ['Choose a finished job or a time.'],
        });
      }
      // A recovery point stands for the time it was asked for; a backup for the time it finished.
      return job.kind === 'recovery_point' && job.asOf ? job.asOf : job.finishedAt;
    }
    if (req.at) return req.at;
    throw new OrgVaultError('VALIDATION_FAILED', 'Restore needs a job, a recovery point or a time');
  }

  async restore(req: RestoreRequest): Promise<RestoreOutcome> {
    if (!req.objects.length) throw new OrgVaultError('VALIDATION_FAILED', 'Choose at least one object to restore');
    const target = req.targetOrgId ?? req.orgId;
    const conn = await this.deps.connectionTo(target);
    const callsBefore = conn.budget.callsMade;
    const ctx: RunCtx = {
      req,
      runId: randomUUID(),
      target,
      inPlace: target === req.orgId,
      at: await this.resolveAt(req.orgId, req),
      mode: req.mode ?? 'changed',
      conn,
      idMap: await this.ledger.idMap(target, req.orgId),
      createSet: new Set(),
      createable: new Set((await describeGlobal(conn)).sobjects.filter((s) => s.createable).map((s) => s.name)),
    };

    // Links are not records to load and compare: files.ts restores them once files and records exist.
    const objects = req.objects.filter((o) => o !== LINK_OBJECT);
    const withLinks = ctx.mode !== 'changed' && (objects.includes('ContentVersion') || objects.length < req.objects.length);
    // Plan every object first: which records are missing decides which lookups wait for pass two.
    const works = new Map<string, ObjectWork>();
    for (const object of objects) works.set(object, await this.load(ctx, object));
    const order = parentsFirst(objects, (o) => works.get(o)!.fields.flatMap((f) => (f.type === 'reference' ? (f.referenceTo ?? []) : [])));
    for (const w of works.values()) for (const r of this.missing(ctx, w)) ctx.createSet.add(r.id);
    const planningCalls = conn.budget.callsMade - callsBefore;

    const plans = new Map<string, ObjectPlan>();
    ctx.planned = new Set();
    for (const object of order) {
      const w = works.get(object)!;
      const step = this.step(ctx, w);
      for (const r of step.creates) ctx.planned.add(r.id);
      plans.set(object, {
        object,
        backedUp: w.records.length,
        create: step.creates.length,
        update: step.updates.length,
        relink: new Set(step.relinks.map((r) => r.oldId)).size,
        fieldsChanged: step.fieldsChanged,
        apiCalls:
          this.callsFor(step.creates.length, w.blobFields.length > 0) +
          this.callsFor(step.updates.length) +
          this.callsFor(step.relinks.length),
      });
    }
    const versions = works.get('ContentVersion')?.records;
    const links = (): LinkRestoreContext => ({
      store: this.deps.store,
      ledger: this.ledger,
      conn,
      sourceOrgId: req.orgId,
      targetOrgId: target,
      runId: ctx.runId,
      at: ctx.at,
      inPlace: ctx.inPlace,
      idMap: ctx.idMap,
      ...(req.recordIds?.length && versions ? { documents: new Set(versions.map((v) => String(v.fields.ContentDocumentId))) } : {}),
    });
    if (withLinks && req.dryRun) {
      const documents = new Map<string, Set<string>>();
      for (const v of (versions ?? []).filter((x) => ctx.createSet.has(x.id))) {
        const made = documents.get(String(v.fields.ContentDocumentId)) ?? new Set<string>();
        if (v.fields.FirstPublishLocationId) made.add(String(v.fields.FirstPublishLocationId));
        documents.set(String(v.fields.ContentDocumentId), made);
      }
      plans.set(LINK_OBJECT, await planLinks(links(), { records: ctx.createSet, documents }));
    }
    const outcome: RestoreOutcome = {
      runId: req.dryRun ? null : ctx.runId,
      dryRun: !!req.dryRun,
      at: ctx.at,
      mode: ctx.mode,
      targetOrgId: target,
      objects: [...order, ...(plans.has(LINK_OBJECT) ? [LINK_OBJECT] : [])].map((o) => plans.get(o)!),
      apiCalls: [...plans.values()].reduce((n, p) => n + p.apiCalls, 0),
      planningCalls,
      succeeded: 0,
      failed: 0,
    };
    if (req.dryRun) return outcome;
    delete ctx.planned;

    await this.deps.pool.query(
      `INSERT INTO restore_runs (org_id, id, target_org_id, mode, at, objects, status, created_by) VALUES ($1, $2, $3, $4, $5, $6, 'running', $7)`,
      [req.orgId, ctx.runId, target, ctx.mode, ctx.at, order, req.by ?? null],
    );
    const writesBefore = conn.budget.callsMade;
    const relinks: { object: string; oldId: string; field: string; ref: string }[] = [];
    try {
      for (const object of order) {
        const w = works.get(object)!;
        // Recomputed now: lookups to parents created a moment ago resolve to their new ids.
        const step = this.step(ctx, w);
        await this.create(ctx, w, step.creates);
        await this.update(ctx, w, step.updates, 'update');
        relinks.push(...step.relinks.map((r) => ({ object, ...r })));
      }
      // Pass two: lookups to records that did not exist yet when their referrer was created.
      for (const object of order) {
        const w = works.get(object)!;
        const byRecord = new Map<string, Record<string, unknown>>();
        for (const r of relinks.filter((x) => x.object === object)) {
          const targetId = ctx.idMap.get(r.oldId) ?? (ctx.inPlace ? r.oldId : undefined);
          const value = ctx.idMap.get(r.ref);
          if (!targetId || !value) continue;
          const values = byRecord.get(r.oldId) ?? {};
          values[r.field] = value;
          byRecord.set(r.oldId, values);
        }
        await this.update(
          ctx,
          w,
          [...byRecord].map(([oldId, values]) => ({ oldId, targetId: ctx.idMap.get(oldId) ?? oldId, values })),
          'relink',
        );
      }
      if (withLinks) outcome.objects.push(await restoreLinks(links()));
      const results = await this.ledger.results(target, ctx.runId);
      outcome.succeeded = results.filter((r) => r.success).length;
      outcome.failed = results.length - outcome.succeeded;
      outcome.apiCalls = conn.budget.callsMade - writesBefore;
      await this.finish(req.orgId, ctx.runId, 'succeeded', outcome, null);
      return outcome;
    } catch (err) {
      await this.finish(req.orgId, ctx.runId, 'failed', outcome, err instanceof Error ? err.message : String(err));
      throw err;
    }
  }

  private async finish(orgId: string, runId: string, status: string, outcome: RestoreOutcome, error: string | null): Promise<void> {
    await this.deps.pool.query(
      `UPDATE restore_runs SET status = $3, summary = $4, error = $5, finished_at = now() WHERE org_id = $1 AND id = $2`,
      [
        orgId,
        runId,
        status,
        JSON.stringify({ objects: outcome.objects, apiCalls: outcome.apiCalls, succeeded: outcome.succeeded, failed: outcome.failed }),
        error,
      ],
    );
  }

  /** The calls writing `n` records costs: collections below the threshold, one ingest job above. */
  callsFor(n: number, files = false): number {
    if (n === 0) return 0;
    if (files) return 2 * n;
    return n >= this.options.bulkThreshold ? BULK_CALLS : Math.ceil(n / COLLECTION_SIZE);
  }

  private async load(ctx: RunCtx, object: string): Promise<ObjectWork> {
    const describe = await describeSObject(ctx.conn, object);
    const fields = writableFields(describe.fields);
    const q = { orgId: ctx.req.orgId, object, at: ctx.at };
    const records: StoredRecord[] = [];
    if (ctx.req.recordIds?.length) records.push(...(await this.deps.store.readRecords({ ...q, ids: ctx.req.recordIds })));
    else for await (const r of this.deps.store.readAsOf(q)) records.push(r);
    const live = new Map<string, Record<string, unknown>>();
    const select = `SELECT Id${fields.map((f) => `, ${f.name}`).join('')} FROM ${object}`;
    if (ctx.req.recordIds?.length) {
      const ids = records.map((r) => ctx.idMap.get(r.id) ?? r.id);
      for (const part of chunk(ids, IN_CHUNK)) {
        for (const rec of await queryRecords(ctx.conn, `${select} WHERE Id IN ('${part.join("','")}')`)) live.set(String(rec.Id), rec);
      }
    } else if (records.length) {
      for (const rec of await queryRecords(ctx.conn, select)) live.set(String(rec.Id), rec);
    }
    const blobFields = describe.fields.filter((f) => f.type === 'base64' && f.createable).map((f) => f.name);
    return { object, fields, byName: new Map(fields.map((f) => [f.name, f])), blobFields, records, live };
  }

  private targetIdOf(ctx: RunCtx, oldId: string): string | undefined {
    return ctx.idMap.get(oldId) ?? (ctx.inPlace ? oldId : undefined);
  }

  private missing(ctx: RunCtx, w: ObjectWork): StoredRecord[] {
    if (ctx.mode === 'changed') return [];
    return w.records.filter((r) => {
      const id = this.targetIdOf(ctx, r.id);
      return !id || !w.live.has(id);
    });
  }

  /** A lookup's backed-up value as the target should hold it now. */
  private resolve(ctx: RunCtx, f: DescribeField, value: string | null, creating: boolean): Ref {
    if (value === null) return { kind: 'value', value: null };
    const mapped = ctx.idMap.get(value);
    if (mapped) return { kind: 'value', value: mapped };
    if (ctx.planned?.has(value)) return { kind: 'value', value: `(new ${value})` };
    if (ctx.createSet.has(value)) return f.updateable ? { kind: 'defer' } : { kind: 'omit' };
    if (!ctx.inPlace) return { kind: 'omit' };
    // A record the target cannot create (e.g. a ContentDocument) is only linked to if it was re-made.
    if (creating && !(f.referenceTo ?? []).some((o) => ctx.createable.has(o))) return { kind: 'omit' };
    return { kind: 'value', value };
  }

  private step(ctx: RunCtx, w: ObjectWork): Step {
    const step: Step = { creates: [], updates: [], relinks: [], fieldsChanged: {} };
    const count = (f: string): void => void (step.fieldsChanged[f] = (step.fieldsChanged[f] ?? 0) + 1);
    for (const rec of w.records) {
      const targetId = this.targetIdOf(ctx, rec.id);
      const live = targetId ? w.live.get(targetId) : undefined;
      if (!live) {
        if (ctx.mode === 'changed') continue;
        step.creates.push(rec);
        for (const f of w.fields) {
          if (f.type !== 'reference' || !(f.name in rec.fields)) continue;
          const ref = normalValue(f.type, rec.fields[f.name]);
          if (ref !== null && this.resolve(ctx, f, ref, true).kind === 'defer') step.relinks.push({ oldId: rec.id, field: f.name, ref });
        }
        continue;
      }
      if (ctx.mode === 'deleted') continue;
      const values: Record<string, unknown> = {};
      for (const f of w.fields) {
        if (!f.updateable || !(f.name in rec.fields)) continue;
        let want = normalValue(f.type, rec.fields[f.name]);
        if (f.type === 'reference') {
          const ref = this.resolve(ctx, f, want, false);
          if (ref.kind === 'omit') continue;
          if (ref.kind === 'defer') {
            step.relinks.push({ oldId: rec.id, field: f.name, ref: want! });
            count(f.name);
            continue;
          }
          want = ref.value;
        }
        if (ctx.mode === 'overwrite' || want !== normalValue(f.type, live[f.name])) {
          values[f.name] = apiValue(f.type, want);
          if (want !== normalValue(f.type, live[f.name])) count(f.name);
        }
      }
      if (Object.keys(values).length) step.updates.push({ oldId: rec.id, targetId: targetId!, values });
    }
    if (step.creates.length) step.fieldsChanged['(record)'] = step.creates.length;
    return step;
  }

  /** The fields of a record to create, lookups resolved (those waiting for pass two left empty). */
  private createBody(ctx: RunCtx, w: ObjectWork, rec: StoredRecord): Record<string, unknown> {
    const body: Record<string, unknown> = {};
    for (const f of w.fields) {
      if (!f.createable || !(f.name in rec.fields)) continue;
      let v = normalValue(f.type, rec.fields[f.name]);
      if (v === null) continue;
      if (f.type === 'reference') {
        const ref = this.resolve(ctx, f, v, true);
        if (ref.kind !== 'value') continue;
        v = ref.value;
      }
      body[f.name] = apiValue(f.type, v);
    }
    return body;
  }

  private async create(ctx: RunCtx, w: ObjectWork, creates: StoredRecord[]): Promise<void> {
    if (!creates.length) return;
    if (w.blobFields.length) return this.createWithFiles(ctx, w, creates);
    const bodies = creates.map((r) => this.createBody(ctx, w, r));
    const results: ResultRow[] = [];
    if (creates.length >= this.options.bulkThreshold) {
      ctx.conn.budget.assertMaySpend(BULK_CALLS);
      const { columns, csv, keys } = this.toCsv(bodies, 'insert');
      const res = await runIngestJob(ctx.conn, { object: w.object, operation: 'insert', csv, ...this.poll() });
      // Result files echo the uploaded columns but not their order: match rows by their content.
      const waiting = new Map<string, number[]>();
      keys.forEach((k, i) => waiting.set(k, [...(waiting.get(k) ?? []), i]));
      const take = (row: IngestResultRow): number | undefined => waiting.get(columns.map((c) => row[c] ?? '').join('\u0000'))?.shift();
      for (const row of res.successful) {
        const i = take(row);
        if (i !== undefined)
          results.push({ object: w.object, operation: 'create', oldId: creates[i]!.id, newId: row.sf__Id!, success: true, error: null });
      }
      for (const row of [...res.failed, ...res.unprocessed]) {
        const i = take(row);
        if (i !== undefined)
          results.push({
            object: w.object,
            operation: 'create',
            oldId: creates[i]!.id,
            newId: null,
            success: false,
            error: row.sf__Error ?? 'Unprocessed',
          });
      }
      await this.keep(ctx, results);
      return;
    }
    for (const part of chunk(
      creates.map((r, i) => [r, bodies[i]!] as const),
      COLLECTION_SIZE,
    )) {
      ctx.conn.budget.assertMaySpend(1);
      const saved = await saveCollection(
        ctx.conn,
        'create',
        w.object,
        part.map(([, b]) => b),
      );
      await this.keep(
        ctx,
        saved.map((s, i) => ({
          object: w.object,
          operation: 'create',
          oldId: part[i]![0].id,
          newId: s.success ? s.id : null,
          success: s.success,
          error: s.success ? null : errorText(s.errors),
        })),
      );
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
    // Versions of one document in their order: the first makes the document, the next join it.
    const ordered = [...creates].sort((a, b) => Number(a.fields.VersionNumber ?? 0) - Number(b.fields.VersionNumber ?? 0));
    for (const rec of ordered) {
      const body = this.createBody(ctx, w, rec);
      const field = w.blobFields.find((f) => refs.get(rec.id)?.has(f));
      let row: ResultRow = { object: w.object, operation: 'create', oldId: rec.id, newId: null, success: false, error: null };
      ctx.conn.budget.assertMaySpend(2);
      // The file streams from the store into a multipart create (any size Salesforce takes, bounded memory).
      const made = field
        ? await createWithFile(ctx.conn, this.deps.store, ctx.req.orgId, w.object, body, field, refs.get(rec.id)!.get(field)!)
        : await ctx.conn.http
            .json<{ id: string }>({ method: 'POST', path: `sobjects/${w.object}`, json: body, what: `create ${w.object}` })
            .catch((err: unknown) => {
              if (!OrgVaultError.is(err, 'ORG_API_ERROR')) throw err;
              return { error: err.message };
            });
      row = 'id' in made ? { ...row, newId: made.id, success: true } : { ...row, error: made.error };
      await this.keep(ctx, [row]);
      if (row.success && w.object === 'ContentVersion') await this.mapDocument(ctx, rec, row.newId!);
    }
  }

  /** A re-created ContentVersion brings (or joins) a ContentDocument: map the old document to it. */
  private async mapDocument(ctx: RunCtx, rec: StoredRecord, newId: string): Promise<void> {
    const oldDoc = normalValue('reference', rec.fields.ContentDocumentId);
    if (!oldDoc || ctx.idMap.has(oldDoc)) return;
    const [made] = await queryRecords(ctx.conn, `SELECT ContentDocumentId FROM ContentVersion WHERE Id = '${newId}'`);
    if (!made?.ContentDocumentId) return;
    await this.ledger.mapIds(this.target(ctx), 'ContentDocument', [[oldDoc, String(made.ContentDocumentId)]]);
    ctx.idMap.set(oldDoc, String(made.ContentDocumentId));
  }

  private async update(
    ctx: RunCtx,
    w: ObjectWork,
    updates: { oldId: string; targetId: string; values: Record<string, unknown> }[],
    operation: 'update' | 'relink',
  ): Promise<void> {
    if (!updates.length) return;
    const bodies = updates.map((u) => ({ Id: u.targetId, ...u.values }));
    const row = (u: (typeof updates)[number], success: boolean, error: string | null): ResultRow => ({
      object: w.object,
      operation,
      oldId: u.oldId,
      newId: u.targetId,
      success,
      error,
    });
    if (updates.length >= this.options.bulkThreshold) {
      ctx.conn.budget.assertMaySpend(BULK_CALLS);
      const res = await runIngestJob(ctx.conn, {
        object: w.object,
        operation: 'update',
        csv: this.toCsv(bodies, 'update').csv,
        ...this.poll(),
      });
      const byId = new Map(updates.map((u) => [u.targetId, u]));
      const rows: ResultRow[] = [];
      for (const r of res.successful) if (byId.has(r.Id ?? r.sf__Id ?? '')) rows.push(row(byId.get(r.Id ?? r.sf__Id!)!, true, null));
      for (const r of [...res.failed, ...res.unprocessed])
        if (byId.has(r.Id ?? '')) rows.push(row(byId.get(r.Id!)!, false, r.sf__Error ?? 'Unprocessed'));
      await this.keep(ctx, rows);
      return;
    }
    for (const part of chunk(updates, COLLECTION_SIZE)) {
      ctx.conn.budget.assertMaySpend(1);
      const saved = await saveCollection(
        ctx.conn,
        'update',
        w.object,
        part.map((u) => ({ Id: u.targetId, ...u.values })),
      );
      await this.keep(
        ctx,
        saved.map((s, i) => row(part[i]!, s.success, s.success ? null : errorText(s.errors))),
      );
    }
  }

  private poll(): { poll?: PollOptions } {
    return this.options.pollMs ? { poll: { initialDelayMs: this.options.pollMs, maxDelayMs: this.options.pollMs * 4 } } : {};
  }

  /** Bulk CSV of the given bodies; on update an empty value means "set null" (`#N/A`). */
  private toCsv(bodies: Record<string, unknown>[], operation: 'insert' | 'update'): { columns: string[]; csv: string; keys: string[] } {
    const columns = [...new Set(bodies.flatMap((b) => Object.keys(b)))];
    const cell = (v: unknown): string => (v === null ? (operation === 'update' ? '#N/A' : '') : v === undefined ? '' : String(v));
    const rows = bodies.map((b) => columns.map((c) => cell(b[c])));
    return { columns, csv: stringify([columns, ...rows]), keys: rows.map((r) => r.join('\u0000')) };
  }

  private target(ctx: RunCtx): { targetOrgId: string; sourceOrgId: string; runId: string } {
    return { targetOrgId: ctx.target, sourceOrgId: ctx.req.orgId, runId: ctx.runId };
  }

  private async keep(ctx: RunCtx, rows: ResultRow[]): Promise<void> {
    await this.ledger.record(this.target(ctx), rows);
    for (const r of rows) if (r.operation === 'create' && r.success && r.newId) ctx.idMap.set(r.oldId, r.newId);
  }
}
