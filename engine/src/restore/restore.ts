import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { stringify } from 'csv-stringify/sync';
import { OrgVaultError } from '../errors.js';
import type { Store, StoredRecord } from '../store/store.js';
import type { OrgConnection } from '../salesforce/connection.js';
import { describeGlobal, describeSObject } from '../salesforce/describe.js';
import type { DescribeField, DescribeSObject } from '../salesforce/scope.js';
import { saveCollection, COLLECTION_SIZE, type SaveResult } from '../salesforce/collections.js';
import { runIngestJob, type IngestRequest, type IngestResult } from '../salesforce/bulk2-ingest.js';
import type { PollOptions } from '../salesforce/bulk2-jobs.js';
import { queryRecords } from '../salesforce/rest-query.js';
import { getJob } from '../backup/jobs.js';
import { RestoreLedger, type ResultRow } from './ledger.js';
import { parentsFirst } from './order.js';
import { apiValue, normalValue, writableFields } from './values.js';
import { selectHierarchy, type Selection } from './hierarchy.js';
import { SentRows, settleInflight } from './recover.js';
import { RestoreRuns, type RunRow, type RunStatus, type StoredRequest } from './runs.js';
import { LINK_OBJECT, createWithFile, mapDocuments, planLinks, restoreLinks, type LinkRestoreContext } from './files.js';

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
  /**
   * A hierarchy: with the chosen records, their children (describe's child relationships) down
   * this many levels, and the parents these records need that the target lacks. Absent: only the
   * chosen records.
   */
  depth?: number;
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
  /** `planned` for a dry run. */
  status: 'planned' | RunStatus;
  dryRun: boolean;
  at: Date;
  mode: RestoreMode;
  depth: number | null;
  targetOrgId: string;
  /** Every object the restore touches, parents first (with a depth, the children and parents it brings). */
  objects: ObjectPlan[];
  /** Calls the writes will cost (dry run) or cost (a run); reads for planning are in `planningCalls`. */
  apiCalls: number;
  planningCalls: number;
  succeeded: number;
  failed: number;
  /** Records written (or failed) so far, of those planned. */
  progress: { total: number; done: number };
  error: string | null;
}

export interface RestoreOptions {
  /** From this many records per step on, Bulk API 2.0 ingest; below it, sObject collections. */
  bulkThreshold: number;
  pollMs?: number;
  /** How often a running restore proves its process is alive (see RestoreWorker). */
  heartbeatMs: number;
  /** A running restore whose heartbeat is older than this lost its process. */
  staleMs: number;
}

/** Create, upload, close, one status check, the successful results (failed ones only when some failed). */
const BULK_CALLS = 5;
const IN_CHUNK = 300;
export const MAX_DEPTH = 5;

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
  req: RestoreRequest & { at: Date };
  runId: string;
  run?: RunRow;
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
  describes: Map<string, Promise<DescribeSObject>>;
  /** Dry run: old ids of records earlier objects would have re-created by now (lookups to them are set at once). */
  planned?: Set<string>;
  progress: { total: number; done: number };
}

interface Planned {
  order: string[];
  works: Map<string, ObjectWork>;
  plans: ObjectPlan[];
  planningCalls: number;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function errorText(errors: SaveResult['errors']): string {
  return errors.map((e) => `${e.statusCode}: ${e.message}${e.fields.length ? ` (${e.fields.join(', ')})` : ''}`).join('; ');
}

function assertObjects(req: RestoreRequest): void {
  if (!req.objects.length) throw new OrgVaultError('VALIDATION_FAILED', 'Choose at least one object to restore');
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Restore: reads records as they were at a time from the store, compares them with the target
 * org, and writes what differs — parents first, re-created records under new ids kept in the id
 * map, lookups between re-created records set in a second pass. A run is a queued job (see
 * RestoreWorker); creates in flight are noted first, so a run that crashed is resumed without
 * making anything twice.
 */
export class RestoreService {
  readonly ledger: RestoreLedger;
  readonly runs: RestoreRuns;
  /** Per target org, its ingest speed seen on the latest Bulk job (rows per ms). */
  readonly #ingestRowsPerMs = new Map<string, number>();

  constructor(
    private readonly deps: { pool: Pool; store: Store; connectionTo: (orgId: string) => Promise<OrgConnection> },
    private readonly options: RestoreOptions,
  ) {
    this.ledger = new RestoreLedger(deps.pool, (orgId) => deps.store.secretBox(orgId));
    this.runs = new RestoreRuns(deps.pool);
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

  /** A dry run plans; otherwise the run is queued for a worker (any engine process) and returned at once. */
  async enqueue(req: RestoreRequest): Promise<RestoreOutcome> {
    if (req.dryRun) return this.plan(req);
    return this.outcomeOf(await this.runs.insert(await this.newRun(req)));
  }

  /** A dry run plans; otherwise the restore runs in this process, and its outcome is returned when done. */
  async restore(req: RestoreRequest): Promise<RestoreOutcome> {
    if (req.dryRun) return this.plan(req);
    const workerId = `inline-${process.pid}-${randomUUID().slice(0, 8)}`;
    return this.execute(await this.runs.insert(await this.newRun(req), workerId), workerId);
  }

  /** What would change and the API calls it would cost; nothing is written. */
  async plan(req: RestoreRequest): Promise<RestoreOutcome> {
    assertObjects(req);
    const ctx = await this.context({ ...req, at: await this.resolveAt(req.orgId, req) }, null);
    const planned = await this.planAll(ctx);
    if (this.withLinks(ctx)) {
      // Files re-created here come with the links Salesforce makes: their owner's and FirstPublishLocationId's.
      const documents = new Map<string, Set<string>>();
      for (const v of (planned.works.get('ContentVersion')?.records ?? []).filter((x) => ctx.createSet.has(x.id))) {
        const made = documents.get(String(v.fields.ContentDocumentId)) ?? new Set<string>();
        if (v.fields.FirstPublishLocationId) made.add(String(v.fields.FirstPublishLocationId));
        documents.set(String(v.fields.ContentDocumentId), made);
      }
      planned.plans.push(await planLinks(this.links(ctx, planned), { records: ctx.createSet, documents }));
    }
    return this.outcome(ctx, planned, 'planned');
  }

  /** A run's state: queued, running (with progress), or finished (with its counts). */
  async status(orgId: string, runId: string): Promise<RestoreOutcome> {
    return this.outcomeOf(await this.runs.get(orgId, runId));
  }

  /** Runs of an org's backup, newest first. */
  async list(orgId: string, limit: number): Promise<RestoreOutcome[]> {
    return (await this.runs.list(orgId, limit)).map((r) => this.outcomeOf(r));
  }

  private async newRun(req: RestoreRequest): Promise<Parameters<RestoreRuns['insert']>[0]> {
    assertObjects(req);
    const request: StoredRequest = {
      objects: req.objects,
      ...(req.recordIds ? { recordIds: req.recordIds } : {}),
      depth: req.depth ?? null,
      mode: req.mode ?? 'changed',
    };
    return {
      orgId: req.orgId,
      id: randomUUID(),
      targetOrgId: req.targetOrgId ?? req.orgId,
      at: await this.resolveAt(req.orgId, req),
      request,
      by: req.by ?? null,
    };
  }

  private outcomeOf(run: RunRow): RestoreOutcome {
    const s = (run.summary ?? {}) as Partial<RestoreOutcome>;
    return {
      runId: run.id,
      status: run.status,
      dryRun: false,
      at: run.at,
      mode: run.request.mode,
      depth: run.request.depth,
      targetOrgId: run.targetOrgId,
      objects: s.objects ?? [],
      apiCalls: s.apiCalls ?? 0,
      planningCalls: s.planningCalls ?? 0,
      succeeded: s.succeeded ?? 0,
      failed: s.failed ?? 0,
      progress: run.progress ?? { total: 0, done: 0 },
      error: run.error,
    };
  }

  private outcome(ctx: RunCtx, p: Planned, status: RestoreOutcome['status']): RestoreOutcome {
    return {
      runId: status === 'planned' ? null : ctx.runId,
      status,
      dryRun: status === 'planned',
      at: ctx.at,
      mode: ctx.mode,
      depth: ctx.req.depth ?? null,
      targetOrgId: ctx.target,
      objects: p.plans,
      apiCalls: p.plans.reduce((n, o) => n + o.apiCalls, 0),
      planningCalls: p.planningCalls,
      succeeded: 0,
      failed: 0,
      progress: ctx.progress,
      error: null,
    };
  }

  private async context(req: RestoreRequest & { at: Date }, runId: string | null): Promise<RunCtx> {
    const target = req.targetOrgId ?? req.orgId;
    const conn = await this.deps.connectionTo(target);
    return {
      req,
      runId: runId ?? randomUUID(),
      target,
      inPlace: target === req.orgId,
      at: req.at,
      mode: req.mode ?? 'changed',
      conn,
      idMap: await this.ledger.idMap(target, req.orgId),
      createSet: new Set(),
      createable: new Set((await describeGlobal(conn)).sobjects.filter((s) => s.createable).map((s) => s.name)),
      describes: new Map(),
      progress: { total: 0, done: 0 },
    };
  }

  private describe(ctx: RunCtx, object: string): Promise<DescribeSObject> {
    let d = ctx.describes.get(object);
    if (!d) ctx.describes.set(object, (d = describeSObject(ctx.conn, object)));
    return d;
  }

  /**
   * Runs a claimed run to its end (or resumes one whose process died): first settles the creates
   * any earlier run left in flight into the target, then plans against the org as it is now and
   * writes. `workerId` beats the run's heartbeat meanwhile. Aborted (`signal`), the run is left
   * running for the next worker to resume.
   */
  async execute(run: RunRow, workerId: string, signal?: AbortSignal): Promise<RestoreOutcome> {
    const beat = setInterval(() => void this.runs.beat(run, workerId).catch(() => undefined), this.options.heartbeatMs);
    const { depth, ...request } = run.request;
    const req = { orgId: run.orgId, targetOrgId: run.targetOrgId, at: run.at, ...request, ...(depth !== null ? { depth } : {}) };
    let outcome: RestoreOutcome | undefined;
    try {
      const conn = await this.deps.connectionTo(run.targetOrgId);
      const typesOf = async (object: string) => new Map((await describeSObject(conn, object)).fields.map((f) => [f.name, f.type]));
      await settleInflight({ ledger: this.ledger, conn, typesOf, ...this.poll() }, run.targetOrgId, run.orgId, {
        runId: run.id,
        staleMs: this.options.staleMs,
      });
      const ctx = await this.context(req, run.id);
      ctx.run = run;
      const planned = await this.planAll(ctx);
      outcome = this.outcome(ctx, planned, 'running');
      ctx.progress.total = planned.plans.reduce((n, p) => n + p.create + p.update + p.relink, 0);
      await this.runs.progress(run, ctx.progress, this.summary(outcome));
      const writesBefore = conn.budget.callsMade;
      await this.write(ctx, planned, signal);
      if (this.withLinks(ctx)) outcome.objects.push(await restoreLinks(this.links(ctx, planned)));
      const results = await this.ledger.results(ctx.target, ctx.runId);
      outcome.succeeded = results.filter((r) => r.success).length;
      outcome.failed = results.length - outcome.succeeded;
      outcome.apiCalls = conn.budget.callsMade - writesBefore;
      outcome.status = 'succeeded';
      await this.runs.finish(run, 'succeeded', this.summary(outcome), null);
      return outcome;
    } catch (err) {
      if (signal?.aborted) throw err;
      await this.runs.finish(run, 'failed', outcome ? this.summary(outcome) : {}, message(err));
      throw err;
    } finally {
      clearInterval(beat);
    }
  }

  /** Files come back with their links when files are restored (or links asked for) and records may be re-created. */
  private withLinks(ctx: RunCtx): boolean {
    return ctx.mode !== 'changed' && (ctx.req.objects.includes('ContentVersion') || ctx.req.objects.includes(LINK_OBJECT));
  }

  private links(ctx: RunCtx, p: Planned): LinkRestoreContext {
    const versions = p.works.get('ContentVersion')?.records;
    return {
      store: this.deps.store,
      ledger: this.ledger,
      conn: ctx.conn,
      sourceOrgId: ctx.req.orgId,
      targetOrgId: ctx.target,
      runId: ctx.runId,
      at: ctx.at,
      inPlace: ctx.inPlace,
      idMap: ctx.idMap,
      ...(ctx.req.recordIds?.length && versions ? { documents: new Set(versions.map((v) => String(v.fields.ContentDocumentId))) } : {}),
      ...(versions ? { versions } : {}),
    };
  }

  private summary(o: RestoreOutcome): Record<string, unknown> {
    return { objects: o.objects, apiCalls: o.apiCalls, planningCalls: o.planningCalls, succeeded: o.succeeded, failed: o.failed };
  }

  /** The records each object restores: the chosen ones, or with a depth their hierarchy. */
  private async select(ctx: RunCtx, records: (object: string) => Promise<StoredRecord[]>): Promise<Selection> {
    const ids = ctx.req.recordIds;
    // Links are not records to load and compare: files.ts restores them once files and records exist.
    const objects = ctx.req.objects.filter((o) => o !== LINK_OBJECT);
    const roots: Selection = new Map(objects.map((o) => [o, ids?.length ? new Set(ids) : 'all']));
    if (ctx.req.depth === undefined) return roots;
    if (ids?.length) for (const o of objects) roots.set(o, new Set((await this.byIds(ctx, o, ids)).map((r) => r.id)));
    const held = new Set(await this.deps.store.objects(ctx.req.orgId));
    return selectHierarchy(
      {
        describe: (o) => this.describe(ctx, o),
        restorable: new Set([...held].filter((o) => ctx.createable.has(o) && o !== LINK_OBJECT)),
        records,
        byIds: (o, list) => this.byIds(ctx, o, list),
        missing: async (o, list) => {
          const live = new Set((await this.liveRecords(ctx, o, list, ['Id'])).keys());
          return new Set(list.filter((id) => !live.has(this.targetIdOf(ctx, id) ?? '')));
        },
      },
      roots,
      Math.min(ctx.req.depth, MAX_DEPTH),
    );
  }

  private byIds(ctx: RunCtx, object: string, ids: readonly string[]): Promise<StoredRecord[]> {
    return this.deps.store.readRecords({ orgId: ctx.req.orgId, object, at: ctx.at, ids });
  }

  /** Live records of the target with these backed-up ids (through the id map), by their ids in the target. */
  private async liveRecords(
    ctx: RunCtx,
    object: string,
    oldIds: readonly string[],
    fields: string[],
  ): Promise<Map<string, Record<string, unknown>>> {
    const live = new Map<string, Record<string, unknown>>();
    const ids = oldIds.map((id) => this.targetIdOf(ctx, id)).filter((id): id is string => !!id);
    const select = `SELECT ${['Id', ...fields.filter((f) => f !== 'Id')].join(', ')} FROM ${object}`;
    for (const part of chunk(ids, IN_CHUNK)) {
      for (const rec of await queryRecords(ctx.conn, `${select} WHERE Id IN ('${part.join("','")}')`)) live.set(String(rec.Id), rec);
    }
    return live;
  }

  /** Plans every object first: which records are missing decides which lookups wait for pass two. */
  private async planAll(ctx: RunCtx): Promise<Planned> {
    const callsBefore = ctx.conn.budget.callsMade;
    const whole = new Map<string, Promise<StoredRecord[]>>();
    const records = (object: string): Promise<StoredRecord[]> => {
      let r = whole.get(object);
      if (!r) {
        whole.set(
          object,
          (r = (async () => {
            const out: StoredRecord[] = [];
            for await (const rec of this.deps.store.readAsOf({ orgId: ctx.req.orgId, object, at: ctx.at })) out.push(rec);
            return out;
          })()),
        );
      }
      return r;
    };
    const selection = await this.select(ctx, records);
    const works = new Map<string, ObjectWork>();
    for (const [object, ids] of selection) works.set(object, await this.load(ctx, object, ids, whole.has(object) ? records : undefined));
    const objects = [...selection.keys()];
    const order = parentsFirst(objects, (o) => works.get(o)!.fields.flatMap((f) => (f.type === 'reference' ? (f.referenceTo ?? []) : [])));
    for (const w of works.values()) for (const r of this.missing(ctx, w)) ctx.createSet.add(r.id);
    const planningCalls = ctx.conn.budget.callsMade - callsBefore;

    const plans: ObjectPlan[] = [];
    ctx.planned = new Set();
    for (const object of order) {
      const w = works.get(object)!;
      const step = this.step(ctx, w);
      for (const r of step.creates) ctx.planned.add(r.id);
      plans.push({
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
    delete ctx.planned;
    return { order, works, plans, planningCalls };
  }

  private async write(ctx: RunCtx, p: Planned, signal?: AbortSignal): Promise<void> {
    const relinks: { object: string; oldId: string; field: string; ref: string }[] = [];
    for (const object of p.order) {
      signal?.throwIfAborted();
      const w = p.works.get(object)!;
      // Recomputed now: lookups to parents created a moment ago resolve to their new ids.
      const step = this.step(ctx, w);
      await this.create(ctx, w, step.creates);
      await this.update(ctx, w, step.updates, 'update');
      relinks.push(...step.relinks.map((r) => ({ object, ...r })));
    }
    // Pass two: lookups to records that did not exist yet when their referrer was created.
    for (const object of p.order) {
      signal?.throwIfAborted();
      const w = p.works.get(object)!;
      const byRecord = new Map<string, Record<string, unknown>>();
      for (const r of relinks.filter((x) => x.object === object)) {
        const targetId = this.targetIdOf(ctx, r.oldId);
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
  }

  /** The calls writing `n` records costs: collections below the threshold, one ingest job above. */
  callsFor(n: number, files = false): number {
    if (n === 0) return 0;
    if (files) return 2 * n;
    return n >= this.options.bulkThreshold ? BULK_CALLS : Math.ceil(n / COLLECTION_SIZE);
  }

  private async load(
    ctx: RunCtx,
    object: string,
    ids: Set<string> | 'all',
    whole?: (object: string) => Promise<StoredRecord[]>,
  ): Promise<ObjectWork> {
    const describe = await this.describe(ctx, object);
    const fields = writableFields(describe.fields);
    let records: StoredRecord[];
    if (whole) records = ids === 'all' ? await whole(object) : (await whole(object)).filter((r) => ids.has(r.id));
    else if (ids === 'all') {
      records = [];
      for await (const r of this.deps.store.readAsOf({ orgId: ctx.req.orgId, object, at: ctx.at })) records.push(r);
    } else records = await this.byIds(ctx, object, [...ids]);
    const names = fields.map((f) => f.name);
    let live = new Map<string, Record<string, unknown>>();
    if (ids !== 'all')
      live = await this.liveRecords(
        ctx,
        object,
        records.map((r) => r.id),
        names,
      );
    else if (records.length) {
      for (const rec of await queryRecords(ctx.conn, `SELECT Id${names.map((f) => `, ${f}`).join('')} FROM ${object}`))
        live.set(String(rec.Id), rec);
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
      // Re-creating (deleted mode) finishes a record an earlier, interrupted run made: its lookups
      // that were left for a second pass that never came.
      const lookupsOnly = ctx.mode === 'deleted';
      if (lookupsOnly && !ctx.idMap.has(rec.id)) continue;
      const values: Record<string, unknown> = {};
      for (const f of w.fields) {
        if (!f.updateable || !(f.name in rec.fields) || (lookupsOnly && f.type !== 'reference')) continue;
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

  /**
   * Creates, noted in flight before they are sent (a Bulk job as soon as it exists), and recorded
   * with the note removed in one transaction: a crash in between leaves the note, which the next
   * run settles (recover.ts) before it plans.
   */
  private async create(ctx: RunCtx, w: ObjectWork, creates: StoredRecord[]): Promise<void> {
    if (!creates.length) return;
    if (w.blobFields.length) return this.createWithFiles(ctx, w, creates);
    const oldIds = creates.map((r) => r.id);
    const bodies = creates.map((r) => this.createBody(ctx, w, r));
    const { columns, csv, rows } = this.toCsv(bodies, 'insert');
    if (creates.length >= this.options.bulkThreshold) {
      ctx.conn.budget.assertMaySpend(BULK_CALLS);
      let note: string | undefined;
      const res = await this.ingest(
        ctx,
        {
          object: w.object,
          operation: 'insert',
          csv,
          onOpen: async (jobId) =>
            void (note = await this.ledger.sending(this.target(ctx), { object: w.object, sfJobId: jobId, oldIds, csv })),
        },
        oldIds.length,
      );
      await this.keep(ctx, new SentRows(columns, rows, oldIds).results(w.object, res), note);
      return;
    }
    for (let i = 0; i < creates.length; i += COLLECTION_SIZE) {
      ctx.conn.budget.assertMaySpend(1);
      const part = rows.slice(i, i + COLLECTION_SIZE);
      const ids = oldIds.slice(i, i + COLLECTION_SIZE);
      const note = await this.ledger.sending(this.target(ctx), { object: w.object, oldIds: ids, csv: stringify([columns, ...part]) });
      const saved = await saveCollection(ctx.conn, 'create', w.object, bodies.slice(i, i + COLLECTION_SIZE));
      await this.keep(
        ctx,
        saved.map((s, j) => ({
          object: w.object,
          operation: 'create',
          oldId: ids[j]!,
          newId: s.success ? s.id : null,
          success: s.success,
          error: s.success ? null : errorText(s.errors),
        })),
        note,
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
    // Versions settled after a crash are mapped; their documents must be too, for later versions to join them.
    if (w.object === 'ContentVersion') await mapDocuments(ctx.conn, this.ledger, this.target(ctx), ctx.idMap, w.records);
    // Versions of one document in their order: the first makes the document, the next join it.
    const ordered = [...creates].sort((a, b) => Number(a.fields.VersionNumber ?? 0) - Number(b.fields.VersionNumber ?? 0));
    for (const rec of ordered) {
      const body = this.createBody(ctx, w, rec);
      const field = w.blobFields.find((f) => refs.get(rec.id)?.has(f));
      let row: ResultRow = { object: w.object, operation: 'create', oldId: rec.id, newId: null, success: false, error: null };
      ctx.conn.budget.assertMaySpend(2);
      // Noted first: a crash during the upload leaves the note, and the next run finds the record by its fields.
      const note = await this.ledger.sending(this.target(ctx), {
        object: w.object,
        oldIds: [rec.id],
        csv: this.toCsv([body], 'insert').csv,
      });
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
      await this.keep(ctx, [row], note);
      if (row.success && w.object === 'ContentVersion') await mapDocuments(ctx.conn, this.ledger, this.target(ctx), ctx.idMap, [rec]);
    }
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
      const res = await this.ingest(ctx, { object: w.object, operation: 'update', csv: this.toCsv(bodies, 'update').csv }, bodies.length);
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

  /**
   * How a Bulk job is waited for. With the org's ingest speed seen on an earlier job, the first
   * check waits until the job should about be done: each check is an API call.
   */
  private poll(orgId?: string, rows = 0): { poll?: PollOptions } {
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

  /** Bulk CSV of the given bodies; on update an empty value means "set null" (`#N/A`). */
  private toCsv(bodies: Record<string, unknown>[], operation: 'insert' | 'update'): { columns: string[]; csv: string; rows: string[][] } {
    const columns = [...new Set(bodies.flatMap((b) => Object.keys(b)))];
    const cell = (v: unknown): string => (v === null ? (operation === 'update' ? '#N/A' : '') : v === undefined ? '' : String(v));
    const rows = bodies.map((b) => columns.map((c) => cell(b[c])));
    return { columns, csv: stringify([columns, ...rows]), rows };
  }

  private target(ctx: RunCtx): { targetOrgId: string; sourceOrgId: string; runId: string } {
    return { targetOrgId: ctx.target, sourceOrgId: ctx.req.orgId, runId: ctx.runId };
  }

  /** Records a call's outcome (and removes its in-flight note); progress counts the records written. */
  private async keep(ctx: RunCtx, rows: ResultRow[], settles?: string): Promise<void> {
    await this.ledger.record(this.target(ctx), rows, settles);
    for (const r of rows) if (r.operation === 'create' && r.success && r.newId) ctx.idMap.set(r.oldId, r.newId);
    ctx.progress.done += rows.length;
    if (ctx.run && rows.length) await this.runs.progress(ctx.run, ctx.progress);
  }
}
