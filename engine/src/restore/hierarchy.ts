import type { StoredRecord } from '../store/store.js';
import type { DescribeSObject } from '../salesforce/scope.js';
import { normalValue } from './values.js';

/** Per object, the backed-up ids a restore takes, or every record of the object. */
export type Selection = Map<string, Set<string> | 'all'>;

/**
 * Objects a restore never re-creates to give a record its parent: the org's users and set-up,
 * which exist (in place) or stay the target's own (into another org).
 */
const NEVER_PARENTS = new Set(['User', 'Group', 'RecordType', 'Profile', 'UserRole', 'Organization', 'BusinessHours']);

export interface HierarchyReads {
  describe(object: string): Promise<DescribeSObject>;
  /** Objects the backup holds that the target can create. */
  restorable: Set<string>;
  /** Every record of an object as of the time restored (read once per object). */
  records(object: string): Promise<StoredRecord[]>;
  /** These records as of the time restored (those the backup does not hold are left out). */
  byIds(object: string, ids: string[]): Promise<StoredRecord[]>;
  /** Of these backed-up ids, the ones the target does not have (not live, not mapped to a live record). */
  missing(object: string, ids: string[]): Promise<Set<string>>;
}

const add = (sel: Selection, object: string, id: string): boolean => {
  const ids = sel.get(object);
  if (ids === 'all' || ids?.has(id)) return false;
  if (ids) ids.add(id);
  else sel.set(object, new Set([id]));
  return true;
};

/**
 * A parent/child hierarchy from the chosen records: their children through describe's child
 * relationships (contacts, opportunities, cases of accounts, ...) down `depth` levels, as the
 * backup holds them, then the parents these records need that the target lacks (a contact's
 * deleted account, that account's deleted parent account, ...), up as far as they go.
 */
export async function selectHierarchy(io: HierarchyReads, roots: Selection, depth: number): Promise<Selection> {
  const sel: Selection = new Map([...roots].map(([o, ids]) => [o, ids === 'all' ? 'all' : new Set(ids)]));
  let frontier = new Map<string, Set<string>>();
  for (const [object, ids] of roots) frontier.set(object, ids === 'all' ? new Set((await io.records(object)).map((r) => r.id)) : ids);

  for (let level = 0; level < depth && frontier.size; level++) {
    const next = new Map<string, Set<string>>();
    for (const [object, ids] of frontier) {
      for (const rel of (await io.describe(object)).childRelationships ?? []) {
        if (!io.restorable.has(rel.childSObject)) continue;
        for (const r of await io.records(rel.childSObject)) {
          const parent = normalValue('reference', r.fields[rel.field]);
          if (parent === null || !ids.has(parent) || !add(sel, rel.childSObject, r.id)) continue;
          const n = next.get(rel.childSObject) ?? new Set<string>();
          next.set(rel.childSObject, n.add(r.id));
        }
      }
    }
    frontier = next;
  }

  // Parents, level by level upwards: the lookups of the records taken last.
  let taken = new Map<string, StoredRecord[]>();
  for (const [object, ids] of sel) {
    const all = await io.records(object);
    taken.set(object, ids === 'all' ? all : all.filter((r) => ids.has(r.id)));
  }
  while (taken.size) {
    const wanted = new Map<string, Set<string>>();
    for (const [object, records] of taken) {
      const lookups = (await io.describe(object)).fields.filter((f) => f.type === 'reference' && (f.createable || f.updateable));
      for (const f of lookups) {
        const parents = (f.referenceTo ?? []).filter((p) => io.restorable.has(p) && !NEVER_PARENTS.has(p));
        for (const r of records) {
          const v = normalValue('reference', r.fields[f.name]);
          if (v === null) continue;
          for (const p of parents) {
            const chosen = sel.get(p);
            if (chosen === 'all' || chosen?.has(v)) continue;
            wanted.set(p, (wanted.get(p) ?? new Set<string>()).add(v));
          }
        }
      }
    }
    taken = new Map();
    for (const [object, ids] of wanted) {
      const held = await io.byIds(object, [...ids]);
      const gone = held.length
        ? await io.missing(
            object,
            held.map((r) => r.id),
          )
        : new Set<string>();
      const records = held.filter((r) => gone.has(r.id) && add(sel, object, r.id));
      if (records.length) taken.set(object, records);
    }
  }
  return sel;
}
