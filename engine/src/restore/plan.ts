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
import { allRecords, binnedRecords, idQueries, recordsByIds } from '../salesforce/record-queries.js';
import { UNDELETE_SIZE } from '../salesforce/soap.js';
import { OrgVaultError } from '../errors.js';
import type { RestoreLedger } from './ledger.js';
import { parentsFirst } from './order.js';
import { normalValue, writableFields } from './values.js';
import { selectHierarchy, type Selection } from './hierarchy.js';
import { backedUpLinks, documentOwners, firstVersionFields, LINK_OBJECT, type LinkRestoreContext, type PlannedCreates } from './files.js';
import { missing, stepOf, targetIdOf } from './step.js';
import { planSurvivors } from './survivors.js';
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
    private readonly options: { bulkThreshold: number; undelete: boolean },
  ) {}

  /** A run's (or dry run's) context: the target's connection, its createable objects and the id map so far. */
  async context(req: RestoreRequest & { at: Date }, runId: string | null): Promise<RunCtx> {
    const target = req.targetOrgId ?? req.orgId;
    const conn = await this.deps.connectionTo(target);
    const global = (await describeGlobal(conn)).sobjects;
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
      undeleteSet: new Set(),
      restored: new Set(),
      refusals: new Map(),
      undelete: this.options.undelete,
      ...(req.fields?.length ? { fields: new Set(req.fields) } : {}),
      ...(req.keepNewer ? { keepNewer: req.keepNewer === true ? req.at : req.keepNewer } : {}),
      createable: new Set(global.filter((s) => s.createable).map((s) => s.name)),
      undeletable: new Set(global.filter((s) => s.undeletable).map((s) => s.name)),
      describes: new Map(),
      progress: { total: 0, done: 0 },
      erased: new Map(),
    };
  }

  /** Plans every object first: which records are missing decides which lookups wait for pass two. */
  async planAll(ctx: RunCtx): Promise<Planned> {
    const read = new Map<string, Promise<StoredRecord[]>>();
    const whole: Whole = (object) => {
      let r = read.get(object);
      if (!r) read.set(object, (r = this.readAll(ctx, object)));
      return r;
    };
    const selection = await this.select(ctx, whole);
    const works = new Map<string, ObjectWork>();
    for (const [object, ids] of selection) works.set(object, await this.load(ctx, object, ids, read.has(object) ? whole : undefined));
    assertFields(ctx, works);
    const order = parentsFirst([...selection.keys()], (o) =>
      works.get(o)!.fields.flatMap((f) => (f.type === 'reference' ? (f.referenceTo ?? []) : [])),
    );
    for (const object of order) await this.findBinned(ctx, works.get(object)!);

    const plans: ObjectPlan[] = [];
    ctx.planned = new Set();
    let undeleting = false;
    const cascades = await this.cascades(ctx, works);
    for (const object of order) {
      plans.push(this.planObject(ctx, works.get(object)!, undeleting, cascades.get(object) ?? []));
      undeleting ||= plans.at(-1)!.undelete > 0;
    }
    delete ctx.planned;
    const survivors = await planSurvivors(
      { describe: (o) => this.describe(ctx, o), records: whole, held: await this.deps.store.objects(ctx.req.orgId) },
      ctx,
      works,
    );
    return { order, works, plans, survivors };
  }

  /**
   * The missing records still in the target's Recycle Bin (in place, or re-created earlier and
   * deleted again): undeleted, with their values there; the others are re-created. Records of an
   * object that cannot be undeleted come back with the parent that took them along (a file's
   * versions with their ContentDocument, and with it the file's links).
   */
  private async findBinned(ctx: RunCtx, w: ObjectWork): Promise<void> {
    const gone = missing(ctx, w);
    const via = !ctx.undelete || !gone.length || ctx.undeletable.has(w.object) ? undefined : await this.undeletedWith(ctx, w.object);
    const byTarget = new Map<string, string>();
    if (ctx.undelete && (ctx.undeletable.has(w.object) || via))
      for (const r of gone) {
        const id = targetIdOf(ctx, r.id);
        if (id) byTarget.set(id, r.id);
      }
    if (byTarget.size)
      for (const rec of await binnedRecords(ctx.conn, w.object, via ? [...w.liveFields, via] : w.liveFields, [...byTarget.keys()])) {
        const parent = via ? normalValue('reference', rec[via]) : null;
        if (via && !parent) continue;
        w.binned.set(String(rec.Id), rec);
        if (parent) w.undeleteVia.set(String(rec.Id), parent);
        ctx.undeleteSet.add(byTarget.get(String(rec.Id))!);
      }
    for (const r of gone) if (!ctx.undeleteSet.has(r.id)) ctx.createSet.add(r.id);
  }

  /** The lookup of `object` to an undeletable parent whose delete takes its records along (cascade), if any. */
  private async undeletedWith(ctx: RunCtx, object: string): Promise<string | undefined> {
    for (const f of (await this.describe(ctx, object)).fields) {
      const parent = f.type === 'reference' && f.referenceTo?.length === 1 ? f.referenceTo[0]! : undefined;
      if (!parent || !ctx.undeletable.has(parent)) continue;
      const rels = (await this.describe(ctx, parent)).childRelationships ?? [];
      if (rels.some((r) => r.childSObject === object && r.field === f.name && r.cascadeDelete)) return f.name;
    }
    return undefined;
  }

  /** Per object restored, its fields through which a parent restored here deletes (and undeletes) its records. */
  private async cascades(ctx: RunCtx, works: Map<string, ObjectWork>): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const object of works.keys())
      for (const rel of (await this.describe(ctx, object)).childRelationships ?? [])
        if (rel.cascadeDelete && works.has(rel.childSObject)) out.set(rel.childSObject, [...(out.get(rel.childSObject) ?? []), rel.field]);
    return out;
  }

  /**
   * One object's line of the plan; its creates count as made for the objects after it. After an
   * earlier object's undeletes, the bin is asked again first: records deleted with a parent
   * (`cascade` fields) came back with it and cost no call.
   */
  private planObject(ctx: RunCtx, w: ObjectWork, afterUndeletes: boolean, cascade: string[]): ObjectPlan {
    const step = stepOf(ctx, w);
    for (const r of step.creates) ctx.planned!.add(r.id);
    const undeleteIds = step.undeletes.map((r) => targetIdOf(ctx, r.id)!);
    // One undelete per record, or per parent that brings several back; none for those deleted with a parent restored here.
    const undeleteCalls = new Set(
      step.undeletes
        .filter((r) => !cascade.some((f) => ctx.undeleteSet.has(normalValue('reference', r.fields[f]) ?? '')))
        .map((r) => {
          const id = targetIdOf(ctx, r.id)!;
          return w.undeleteVia.get(id) ?? id;
        }),
    ).size;
    return {
      object: w.object,
      backedUp: w.records.length,
      erased: ctx.erased.get(w.object)?.size ?? 0,
      undelete: step.undeletes.length,
      create: step.creates.length,
      update: step.updates.length,
      relink: new Set(step.relinks.map((r) => r.oldId)).size,
      fieldsChanged: step.fieldsChanged,
      conflicts: step.conflicts,
      apiCalls:
        (afterUndeletes ? idQueries(w.object, [], undeleteIds) : 0) +
        Math.ceil(undeleteCalls / UNDELETE_SIZE) +
        this.callsFor(step.creates.length, w.blobFields.length > 0) +
        this.callsFor(step.updates.length) +
        this.callsFor(step.relinks.length),
    };
  }

  /** The calls writing `n` records costs: collections below the threshold, one ingest job above. */
  private callsFor(n: number, files = false): number {
    if (n === 0) return 0;
    if (files) return 2 * n;
    return n >= this.options.bulkThreshold ? BULK_CALLS : Math.ceil(n / COLLECTION_SIZE);
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
  async plannedCreates(ctx: RunCtx, p: Planned): Promise<PlannedCreates> {
    const versions = (p.works.get('ContentVersion')?.records ?? []).filter((x) => ctx.createSet.has(x.id));
    const docs = new Set(versions.map((v) => String(v.fields.ContentDocumentId)));
    const owners = await documentOwners(this.deps.store, ctx.req.orgId, ctx.at, [...docs]);
    const linked = await backedUpLinks(this.deps.store, ctx.req.orgId, ctx.at, docs);
    const documents = new Map<string, Set<string>>();
    // The version that makes each document (its first), as the run sends it.
    for (const v of [...versions].sort((a, b) => Number(a.fields.VersionNumber ?? 0) - Number(b.fields.VersionNumber ?? 0))) {
      const doc = String(v.fields.ContentDocumentId);
      if (documents.has(doc)) continue;
      const f = firstVersionFields(v.fields, owners.get(doc), linked);
      documents.set(doc, new Set([f.FirstPublishLocationId, f.OwnerId].flatMap((e) => (e ? [String(e)] : []))));
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
    for await (const rec of this.deps.store.readAsOf({ orgId: ctx.req.orgId, object, at: ctx.at, onWithheld: erasedIn(ctx, object) }))
      out.push(rec);
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
    return this.deps.store.readRecords({ orgId: ctx.req.orgId, object, at: ctx.at, ids, onWithheld: erasedIn(ctx, object) });
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
    const blobFields = describe.fields.filter((f) => f.type === 'base64' && f.createable).map((f) => f.name);
    // Read from the target: the fields restore writes, and when its records were last modified (keepNewer).
    const names = fields.map((f) => f.name);
    if (describe.fields.some((f) => f.name === 'LastModifiedDate')) names.push('LastModifiedDate');
    const work: ObjectWork = {
      object,
      fields,
      byName: new Map(fields.map((f) => [f.name, f])),
      blobFields,
      records,
      liveFields: names,
      live: new Map(),
      binned: new Map(),
      undeleteVia: new Map(),
    };
    if (ids !== 'all')
      work.live = await this.liveRecords(
        ctx,
        object,
        records.map((r) => r.id),
        names,
      );
    else if (records.length) for (const rec of await allRecords(ctx.conn, object, names)) work.live.set(String(rec.Id), rec);
    return work;
  }
}

/** Notes a record of the object the erasure ledger kept out, for the plan to report. */
function erasedIn(ctx: RunCtx, object: string): (id: string) => void {
  return (id) => {
    const ids = ctx.erased.get(object) ?? new Set<string>();
    ctx.erased.set(object, ids.add(id));
  };
}

/** --fields names only fields restore can write on the objects restored. */
function assertFields(ctx: RunCtx, works: Map<string, ObjectWork>): void {
  if (!ctx.fields) return;
  const known = new Set<string>();
  for (const w of works.values())
    for (const f of w.fields.filter((x) => x.updateable)) {
      known.add(f.name);
      known.add(`${w.object}.${f.name}`);
    }
  const unknown = [...ctx.fields].filter((f) => !known.has(f));
  if (unknown.length)
    throw new OrgVaultError(
      'VALIDATION_FAILED',
      `No field restore can update is called ${unknown.join(', ')} on ${[...works.keys()].join(', ')}`,
      {
        actions: ['Name updateable fields of the objects restored (describe them in Setup), as Field or Object.Field.'],
      },
    );
}
