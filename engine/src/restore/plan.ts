/**
 * Planning a restore: which records (the chosen ones, or a hierarchy), how they stand against
 * the target (live records read by id, the id map of earlier restores), and per object what would
 * be created, updated and relinked and the API calls it costs. A dry run stops here; a run plans
 * the same way before it writes.
 */
import { randomUUID } from 'node:crypto';
import type { Store, StoredRecord } from '../store/store.js';
import type { OrgConnection } from '../salesforce/connection.js';
import { describeGlobal, describeSObject } from '../salesforce/describe.js';
import type { DescribeSObject } from '../salesforce/scope.js';
import { COLLECTION_SIZE } from '../salesforce/collections.js';
import { allRecords, recordsByIds } from '../salesforce/record-queries.js';
import type { RestoreLedger } from './ledger.js';
import { parentsFirst } from './order.js';
import { writableFields } from './values.js';
import { selectHierarchy, type Selection } from './hierarchy.js';
import { LINK_OBJECT, type LinkRestoreContext, type PlannedCreates } from './files.js';
import { missing, stepOf, targetIdOf } from './step.js';
import { BULK_CALLS, MAX_DEPTH, type ObjectPlan, type ObjectWork, type Planned, type RestoreRequest, type RunCtx } from './types.js';

export interface PlanDeps {
  store: Store;
  ledger: RestoreLedger;
  connectionTo: (orgId: string) => Promise<OrgConnection>;
}

/** Every record of an object as of the time restored, read from the store once per object. */
type Whole = (object: string) => Promise<StoredRecord[]>;

export class RestorePlanner {
  constructor(
    private readonly deps: PlanDeps,
    private readonly bulkThreshold: number,
  ) {}

  /** A run's (or dry run's) context: the target's connection, its createable objects and the id map so far. */
  async context(req: RestoreRequest & { at: Date }, runId: string | null): Promise<RunCtx> {
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
      idMap: await this.deps.ledger.idMap(target, req.orgId),
      createSet: new Set(),
      createable: new Set((await describeGlobal(conn)).sobjects.filter((s) => s.createable).map((s) => s.name)),
      describes: new Map(),
      progress: { total: 0, done: 0 },
    };
  }

  /** Plans every object first: which records are missing decides which lookups wait for pass two. */
  async planAll(ctx: RunCtx): Promise<Planned> {
    const callsBefore = ctx.conn.budget.callsMade;
    const read = new Map<string, Promise<StoredRecord[]>>();
    const whole: Whole = (object) => {
      let r = read.get(object);
      if (!r) read.set(object, (r = this.readAll(ctx, object)));
      return r;
    };
    const selection = await this.select(ctx, whole);
    const works = new Map<string, ObjectWork>();
    for (const [object, ids] of selection) works.set(object, await this.load(ctx, object, ids, read.has(object) ? whole : undefined));
    const order = parentsFirst([...selection.keys()], (o) =>
      works.get(o)!.fields.flatMap((f) => (f.type === 'reference' ? (f.referenceTo ?? []) : [])),
    );
    for (const w of works.values()) for (const r of missing(ctx, w)) ctx.createSet.add(r.id);
    const planningCalls = ctx.conn.budget.callsMade - callsBefore;

    const plans: ObjectPlan[] = [];
    ctx.planned = new Set();
    for (const object of order) plans.push(this.planObject(ctx, works.get(object)!));
    delete ctx.planned;
    return { order, works, plans, planningCalls };
  }

  /** One object's line of the plan; its creates count as made for the objects after it. */
  private planObject(ctx: RunCtx, w: ObjectWork): ObjectPlan {
    const step = stepOf(ctx, w);
    for (const r of step.creates) ctx.planned!.add(r.id);
    return {
      object: w.object,
      backedUp: w.records.length,
      create: step.creates.length,
      update: step.updates.length,
      relink: new Set(step.relinks.map((r) => r.oldId)).size,
      fieldsChanged: step.fieldsChanged,
      apiCalls:
        this.callsFor(step.creates.length, w.blobFields.length > 0) +
        this.callsFor(step.updates.length) +
        this.callsFor(step.relinks.length),
    };
  }

  /** The calls writing `n` records costs: collections below the threshold, one ingest job above. */
  private callsFor(n: number, files = false): number {
    if (n === 0) return 0;
    if (files) return 2 * n;
    return n >= this.bulkThreshold ? BULK_CALLS : Math.ceil(n / COLLECTION_SIZE);
  }

  /** Files come back with their links when files are restored (or links asked for) and records may be re-created. */
  withLinks(ctx: RunCtx): boolean {
    return ctx.mode !== 'changed' && (ctx.req.objects.includes('ContentVersion') || ctx.req.objects.includes(LINK_OBJECT));
  }

  links(ctx: RunCtx, p: Planned): LinkRestoreContext {
    const versions = p.works.get('ContentVersion')?.records;
    return {
      store: this.deps.store,
      ledger: this.deps.ledger,
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

  /** A dry run's view of what the run re-creates: records, and the files with the entities Salesforce links them to. */
  plannedCreates(ctx: RunCtx, p: Planned): PlannedCreates {
    const documents = new Map<string, Set<string>>();
    for (const v of (p.works.get('ContentVersion')?.records ?? []).filter((x) => ctx.createSet.has(x.id))) {
      const made = documents.get(String(v.fields.ContentDocumentId)) ?? new Set<string>();
      if (v.fields.FirstPublishLocationId) made.add(String(v.fields.FirstPublishLocationId));
      documents.set(String(v.fields.ContentDocumentId), made);
    }
    return { records: ctx.createSet, documents };
  }

  private describe(ctx: RunCtx, object: string): Promise<DescribeSObject> {
    let d = ctx.describes.get(object);
    if (!d) ctx.describes.set(object, (d = describeSObject(ctx.conn, object)));
    return d;
  }

  private async readAll(ctx: RunCtx, object: string): Promise<StoredRecord[]> {
    const out: StoredRecord[] = [];
    for await (const rec of this.deps.store.readAsOf({ orgId: ctx.req.orgId, object, at: ctx.at })) out.push(rec);
    return out;
  }

  /** The records each object restores: the chosen ones, or with a depth their hierarchy. */
  private async select(ctx: RunCtx, whole: Whole): Promise<Selection> {
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
        records: whole,
        byIds: (o, list) => this.byIds(ctx, o, list),
        missing: async (o, list) => {
          const live = new Set((await this.liveRecords(ctx, o, list, ['Id'])).keys());
          return new Set(list.filter((id) => !live.has(targetIdOf(ctx, id) ?? '')));
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
    const ids = oldIds.map((id) => targetIdOf(ctx, id)).filter((id): id is string => !!id);
    return new Map((await recordsByIds(ctx.conn, object, fields, ids)).map((rec) => [String(rec.Id), rec]));
  }

  /** An object's backed-up records (the chosen ones, or all) beside the target's live ones. */
  private async load(ctx: RunCtx, object: string, ids: Set<string> | 'all', whole?: Whole): Promise<ObjectWork> {
    const describe = await this.describe(ctx, object);
    const fields = writableFields(describe.fields);
    let records: StoredRecord[];
    if (ids === 'all') records = await (whole ?? ((o: string) => this.readAll(ctx, o)))(object);
    else records = whole ? (await whole(object)).filter((r) => ids.has(r.id)) : await this.byIds(ctx, object, [...ids]);
    const names = fields.map((f) => f.name);
    let live = new Map<string, Record<string, unknown>>();
    if (ids !== 'all')
      live = await this.liveRecords(
        ctx,
        object,
        records.map((r) => r.id),
        names,
      );
    else if (records.length) for (const rec of await allRecords(ctx.conn, object, names)) live.set(String(rec.Id), rec);
    const blobFields = describe.fields.filter((f) => f.type === 'base64' && f.createable).map((f) => f.name);
    return { object, fields, byName: new Map(fields.map((f) => [f.name, f])), blobFields, records, live };
  }
}
