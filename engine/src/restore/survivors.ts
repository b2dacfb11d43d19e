/**
 * Survivors of a delete: records that were not deleted, but whose lookup the delete cleared
 * (Salesforce empties a lookup whose target is deleted: Account.ParentId, Task.WhoId, ...). A
 * restore that brings the targets back points those lookups at them again, only where they are
 * still empty: a lookup someone has since set to another value is left as it is. Salesforce
 * itself gives undeleted records theirs back; the step catches re-created ones (new ids) and any
 * it did not.
 */
import type { StoredRecord } from '../store/store.js';
import type { DescribeSObject } from '../salesforce/scope.js';
import { idQueries, recordsByIds } from '../salesforce/record-queries.js';
import { COLLECTION_SIZE } from '../salesforce/collections.js';
import { normalValue } from './values.js';
import { fieldChosen, targetIdOf } from './step.js';
import type { ObjectWork, RunCtx, SurvivorPlan, SurvivorWork, Update } from './types.js';

export interface SurvivorReads {
  describe(object: string): Promise<DescribeSObject>;
  /** Every backed-up record of an object as of the time restored. */
  records(object: string): Promise<StoredRecord[]>;
  /** Objects the backup holds. */
  held: string[];
}

/** The live value of `field` on these records of the target, by target id (null: empty). */
async function liveValues(ctx: RunCtx, object: string, field: string, oldIds: Iterable<string>): Promise<Map<string, string | null>> {
  const ids = [...oldIds].map((id) => targetIdOf(ctx, id)).filter((id): id is string => !!id);
  const out = new Map<string, string | null>();
  for (const r of await recordsByIds(ctx.conn, object, [field], ids)) out.set(String(r.Id), normalValue('reference', r[field]));
  return out;
}

/** The survivors of one lookup field: backed-up records, not brought back themselves, that pointed at a record that is. */
async function survivorsOf(
  io: SurvivorReads,
  ctx: RunCtx,
  rel: { childSObject: string; field: string },
  works: Map<string, ObjectWork>,
  back: Set<string>,
): Promise<SurvivorWork | undefined> {
  const f = (await io.describe(rel.childSObject)).fields.find((x) => x.name === rel.field);
  if (!f?.updateable || !fieldChosen(ctx, rel.childSObject, rel.field)) return undefined;
  // Records this restore updates anyway (changed, overwrite) get the lookup with their other fields.
  const own = ctx.mode === 'deleted' ? undefined : new Set(works.get(rel.childSObject)?.records.map((r) => r.id));
  const refs = new Map<string, string>();
  for (const r of await io.records(rel.childSObject)) {
    const parent = normalValue('reference', r.fields[rel.field]);
    if (parent !== null && back.has(parent) && !back.has(r.id) && !own?.has(r.id)) refs.set(r.id, parent);
  }
  if (!refs.size) return undefined;
  const live = await liveValues(ctx, rel.childSObject, rel.field, refs.keys());
  let cleared = 0;
  for (const [id, parent] of refs) {
    const now = live.get(targetIdOf(ctx, id) ?? '');
    if (now === undefined) refs.delete(id);
    else if (now === null && ctx.createSet.has(parent)) cleared++;
  }
  return refs.size ? { object: rel.childSObject, field: rel.field, refs, cleared } : undefined;
}

/**
 * The survivors step of a plan: for each lookup (not master-detail, which deletes its details)
 * to an object whose records the restore brings back, the survivors that pointed at them. A
 * dry run counts the lookups that will be set: those empty now whose target is re-created.
 */
export async function planSurvivors(io: SurvivorReads, ctx: RunCtx, works: Map<string, ObjectWork>): Promise<SurvivorWork[]> {
  const back = new Set([...ctx.createSet, ...ctx.undeleteSet]);
  if (!back.size) return [];
  const held = new Set(io.held);
  const seen = new Set<string>();
  const out: SurvivorWork[] = [];
  for (const w of works.values()) {
    if (!w.records.some((r) => back.has(r.id))) continue;
    for (const rel of (await io.describe(w.object)).childRelationships ?? []) {
      const key = `${rel.childSObject}.${rel.field}`;
      if (rel.cascadeDelete || seen.has(key) || !held.has(rel.childSObject)) continue;
      seen.add(key);
      const s = await survivorsOf(io, ctx, rel, works, back);
      if (s) out.push(s);
    }
  }
  return out;
}

/** The survivors step's lines, with the calls the run spends: reading the lookups again after its writes, and setting them. */
export function survivorPlans(survivors: readonly SurvivorWork[]): SurvivorPlan[] {
  return survivors.map((s) => ({
    object: s.object,
    field: s.field,
    records: s.cleared,
    apiCalls: idQueries(s.object, [s.field], [...s.refs.keys()]) + Math.ceil(s.cleared / COLLECTION_SIZE),
  }));
}

/** After the writes: the survivors whose lookup is still empty while its target is back, and the value it gets. */
export async function survivorUpdates(ctx: RunCtx, s: SurvivorWork): Promise<Update[]> {
  const live = await liveValues(ctx, s.object, s.field, s.refs.keys());
  const out: Update[] = [];
  for (const [id, parent] of s.refs) {
    const targetId = targetIdOf(ctx, id);
    const value = targetIdOf(ctx, parent);
    if (!targetId || !value || live.get(targetId) !== null || !ctx.restored.has(parent)) continue;
    out.push({ oldId: id, targetId, values: { [s.field]: value } });
  }
  return out;
}
