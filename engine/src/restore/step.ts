/**
 * What one object's backed-up records need written into the target, decided the same way when
 * a restore is planned and again when it writes (by then, parents created a moment ago resolve
 * to their new ids): creates, updates of the fields that differ, and lookups left for pass two.
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

/** The records of `w` the target lacks (none in `changed` mode, which re-creates nothing). */
export function missing(ctx: RunCtx, w: ObjectWork): StoredRecord[] {
  if (ctx.mode === 'changed') return [];
  return w.records.filter((r) => {
    const id = targetIdOf(ctx, r.id);
    return !id || !w.live.has(id);
  });
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

/** A live record: the fields whose backed-up value differs (all of them when overwriting). */
function changesOf(ctx: RunCtx, w: ObjectWork, rec: StoredRecord, live: Record<string, unknown>, step: Step): Record<string, unknown> {
  const count = (f: string): void => void (step.fieldsChanged[f] = (step.fieldsChanged[f] ?? 0) + 1);
  // Re-creating (deleted mode) finishes a record an earlier, interrupted run made: its lookups
  // that were left for a second pass that never came.
  const lookupsOnly = ctx.mode === 'deleted';
  const values: Record<string, unknown> = {};
  for (const f of w.fields) {
    if (!f.updateable || !(f.name in rec.fields) || (lookupsOnly && f.type !== 'reference')) continue;
    let want = normalValue(f.type, rec.fields[f.name]);
    if (f.type === 'reference') {
      const ref = resolve(ctx, f, want, false);
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
  return values;
}

/** What `w`'s records need written now. */
export function stepOf(ctx: RunCtx, w: ObjectWork): Step {
  const step: Step = { creates: [], updates: [], relinks: [], fieldsChanged: {} };
  for (const rec of w.records) {
    const targetId = targetIdOf(ctx, rec.id);
    const live = targetId ? w.live.get(targetId) : undefined;
    if (!live) {
      if (ctx.mode === 'changed') continue;
      step.creates.push(rec);
      deferredOf(ctx, w, rec, step);
      continue;
    }
    if (ctx.mode === 'deleted' && !ctx.idMap.has(rec.id)) continue;
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
