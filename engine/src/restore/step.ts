/**
 * What one object's backed-up records need written into the target, decided the same way when
 * a restore is planned and again when it writes (by then, parents created a moment ago resolve
 * to their new ids): undeletes, creates, updates of the chosen fields that differ (only those:
 * an equal record costs nothing), and lookups left for pass two.
 */
import type { StoredRecord } from '../store/store.js';
import type { DescribeField } from '../salesforce/scope.js';
import { apiValue, normalValue } from './values.js';
import type { ObjectWork, RunCtx, Step } from './types.js';

type Ref = { kind: 'value'; value: string | null } | { kind: 'defer' } | { kind: 'omit' };

/** The record's id in the target: re-created ones through the id map, in place the same id. */
export function targetIdOf(ctx: RunCtx, oldId: string): string | undefined {
  return ctx.idMap.get(oldId) ?? (ctx.inPlace ? oldId : undefined);
}

/** The records of `w` the target lacks (none in `changed` mode, which brings nothing back). */
export function missing(ctx: RunCtx, w: ObjectWork): StoredRecord[] {
  if (ctx.mode === 'changed') return [];
  return w.records.filter((r) => {
    const id = targetIdOf(ctx, r.id);
    return !id || !w.live.has(id);
  });
}

/** Whether the restore may update this field (all, or those of RestoreRequest.fields). */
export function fieldChosen(ctx: RunCtx, object: string, field: string): boolean {
  return !ctx.fields || ctx.fields.has(field) || ctx.fields.has(`${object}.${field}`);
}

/** Whether the record was modified after the time keepNewer protects (someone's later edit). */
function newer(ctx: RunCtx, live: Record<string, unknown>): boolean {
  if (!ctx.keepNewer) return false;
  const modified = Date.parse(String(live.LastModifiedDate ?? ''));
  return Number.isFinite(modified) && modified > ctx.keepNewer.getTime();
}

/** A lookup's backed-up value as the target should hold it now. */
function resolve(ctx: RunCtx, f: DescribeField, value: string | null, creating: boolean): Ref {
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

/** A record to re-create: its lookups that must wait for pass two. */
function deferredOf(ctx: RunCtx, w: ObjectWork, rec: StoredRecord, step: Step): void {
  for (const f of w.fields) {
    if (f.type !== 'reference' || !(f.name in rec.fields)) continue;
    const ref = normalValue(f.type, rec.fields[f.name]);
    if (ref !== null && resolve(ctx, f, ref, true).kind === 'defer') step.relinks.push({ oldId: rec.id, field: f.name, ref });
  }
}

/** A live (or undeleted) record: the chosen fields whose backed-up value differs, and its conflicts. */
function changesOf(ctx: RunCtx, w: ObjectWork, rec: StoredRecord, live: Record<string, unknown>, step: Step): Record<string, unknown> {
  const count = (m: Record<string, number>, f: string): void => void (m[f] = (m[f] ?? 0) + 1);
  // Re-creating (deleted mode) finishes a record an earlier, interrupted run made, or one it
  // undeletes: its lookups left for a second pass, or cleared by deletes since.
  const lookupsOnly = ctx.mode === 'deleted';
  const later = newer(ctx, live);
  const values: Record<string, unknown> = {};
  for (const f of w.fields) {
    if (!f.updateable || !(f.name in rec.fields) || (lookupsOnly && f.type !== 'reference') || !fieldChosen(ctx, w.object, f.name))
      continue;
    let want = normalValue(f.type, rec.fields[f.name]);
    const restoring = want !== null && (ctx.createSet.has(want) || ctx.undeleteSet.has(want));
    if (f.type === 'reference') {
      const ref = resolve(ctx, f, want, false);
      if (ref.kind === 'omit') continue;
      if (ref.kind === 'defer') {
        step.relinks.push({ oldId: rec.id, field: f.name, ref: want! });
        count(step.fieldsChanged, f.name);
        continue;
      }
      want = ref.value;
    }
    const now = normalValue(f.type, live[f.name]);
    if (want === now) continue;
    // A lookup the restore's own deletes cleared is no one's edit.
    if (later && !(restoring && now === null)) {
      count(step.conflicts, f.name);
      continue;
    }
    values[f.name] = apiValue(f.type, want);
    count(step.fieldsChanged, f.name);
  }
  return values;
}

/** What `w`'s records need written now. */
export function stepOf(ctx: RunCtx, w: ObjectWork): Step {
  const step: Step = { undeletes: [], creates: [], updates: [], relinks: [], fieldsChanged: {}, conflicts: {} };
  for (const rec of w.records) {
    const targetId = targetIdOf(ctx, rec.id);
    let live = targetId ? w.live.get(targetId) : undefined;
    if (!live && targetId && ctx.undeleteSet.has(rec.id)) {
      live = w.binned.get(targetId);
      if (live) step.undeletes.push(rec);
    }
    if (!live) {
      if (ctx.mode === 'changed') continue;
      step.creates.push(rec);
      deferredOf(ctx, w, rec, step);
      continue;
    }
    if (ctx.mode === 'deleted' && !ctx.idMap.has(rec.id) && !ctx.undeleteSet.has(rec.id)) continue;
    const values = changesOf(ctx, w, rec, live, step);
    if (Object.keys(values).length) step.updates.push({ oldId: rec.id, targetId: targetId!, values });
  }
  if (step.creates.length) step.fieldsChanged['(record)'] = step.creates.length;
  return step;
}

/** The fields of a record to create, lookups resolved (those waiting for pass two left empty). */
export function createBody(ctx: RunCtx, w: ObjectWork, rec: StoredRecord): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const f of w.fields) {
    if (!f.createable || !(f.name in rec.fields)) continue;
    let v = normalValue(f.type, rec.fields[f.name]);
    if (v === null) continue;
    if (f.type === 'reference') {
      const ref = resolve(ctx, f, v, true);
      if (ref.kind !== 'value') continue;
      v = ref.value;
    }
    body[f.name] = apiValue(f.type, v);
  }
  return body;
}
