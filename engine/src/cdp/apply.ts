import type { Store, JsonRecord, Tombstone } from '../store/store.js';
import type { OrgConnection } from '../salesforce/connection.js';
import type { ChangeEvent } from '../salesforce/change-stream.js';
import { describeSObject } from '../salesforce/describe.js';
import { recordsByIds } from '../salesforce/record-queries.js';
import { commitOrder, eventLayout, eventValues, storedFieldOf, type EventLayout } from './versions.js';

export interface ApplyOutcome {
  /** Objects whose GAP_OVERFLOW means events are missing: an incremental backup must fill in. */
  overflow: Set<string>;
  versions: number;
  tombstones: number;
  /** Records fetched by id because a GAP_* event carried no values. */
  fetched: number;
}

type Fields = Record<string, unknown>;
const ID_CHUNK = 200;

function chunks<T>(items: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
  return out;
}

/**
 * Turns change events into record versions in the store. Creates and undeletes store the event's
 * full body; updates merge the changed and nulled fields onto the record's last known version;
 * deletes store tombstones; every version is valid from the event's commit time. Fields that
 * events never carry (SystemModstamp, formulas) are taken from the org only when the org's record
 * is still at that version (same LastModifiedDate); otherwise they are left out, never guessed.
 * Re-applying events already stored yields the same versions, which the store skips.
 */
export class EventApplier {
  readonly #layouts = new Map<string, Promise<EventLayout | undefined>>();

  constructor(
    private readonly store: Store,
    private readonly conn: OrgConnection,
    private readonly orgId: string,
  ) {}

  layout(object: string): Promise<EventLayout | undefined> {
    let l = this.#layouts.get(object);
    if (!l) {
      l = describeSObject(this.conn, object).then(eventLayout);
      this.#layouts.set(object, l);
      l.catch(() => this.#layouts.delete(object));
    }
    return l;
  }

  /**
   * `storedUpTo`: events committed up to then may be stored already (a replay after a restart or
   * a transport switch); a record's event is skipped when the record has a CDC version at exactly
   * its commit time. Re-applying instead could differ from what was stored (fields read from the
   * org, which has moved on since) and so be stored twice.
   */
  async apply(events: readonly ChangeEvent[], objects: ReadonlySet<string>, storedUpTo: number | null = null): Promise<ApplyOutcome> {
    const outcome: ApplyOutcome = { overflow: new Set(), versions: 0, tombstones: 0, fetched: 0 };
    const byObject = new Map<string, ChangeEvent[]>();
    for (const e of commitOrder(events)) {
      if (!objects.has(e.header.entityName)) continue;
      byObject.set(e.header.entityName, [...(byObject.get(e.header.entityName) ?? []), e]);
    }
    for (const [object, list] of byObject) {
      const layout = await this.layout(object);
      const fresh = storedUpTo === null ? { events: list, replayed: [] } : await this.#unstored(object, list, storedUpTo);
      if (layout && fresh.events.length > 0) await this.#applyObject(object, layout, fresh.events, outcome, fresh.replayed, storedUpTo);
    }
    return outcome;
  }

  /** The events (and record ids) not stored yet; `replayed`: records with an event already stored. */
  async #unstored(object: string, events: ChangeEvent[], storedUpTo: number): Promise<{ events: ChangeEvent[]; replayed: string[] }> {
    const maybe = [...new Set(events.filter((e) => e.header.commitTimestamp <= storedUpTo).flatMap((e) => e.header.recordIds))];
    const stored = new Set<string>();
    for (const recordId of maybe) {
      for (const v of await this.store.versionsOf({ orgId: this.orgId, object, recordId })) {
        if (v.source === 'cdc') stored.add(`${recordId}@${v.validFrom.getTime()}`);
      }
    }
    const replayed = new Set<string>();
    const out: ChangeEvent[] = [];
    for (const e of events) {
      const ids = e.header.recordIds.filter((id) => !stored.has(`${id}@${e.header.commitTimestamp}`));
      for (const id of e.header.recordIds) if (!ids.includes(id)) replayed.add(id);
      if (ids.length === e.header.recordIds.length) out.push(e);
      else if (ids.length > 0) out.push({ ...e, header: { ...e.header, recordIds: ids } });
    }
    return { events: out, replayed: [...replayed] };
  }

  async #applyObject(
    object: string,
    layout: EventLayout,
    events: ChangeEvent[],
    outcome: ApplyOutcome,
    replayed: readonly string[] = [],
    storedUpTo: number | null = null,
  ): Promise<void> {
    const current = await this.#baseline(object, events, replayed, storedUpTo);
    const { records, tombstones, gaps } = toVersions(object, layout, events, current, outcome);
    await this.#completeNotCarried(object, layout, records);
    const fetched = await this.#fetch(object, layout, [...gaps]);
    outcome.fetched += fetched.records.length + fetched.tombstones.length;
    records.push(...fetched.records);
    tombstones.push(...fetched.tombstones);
    if (records.length > 0) outcome.versions += (await this.store.putRecords({ orgId: this.orgId, object, source: 'cdc', records })).stored;
    if (tombstones.length > 0) {
      outcome.tombstones += (await this.store.putTombstones({ orgId: this.orgId, object, source: 'cdc', tombstones })).stored;
    }
  }

  /**
   * The fields of each updated record before the batch: its version just before the batch's first
   * event, or, for a record whose earlier events of this batch were stored before (`replayed`),
   * what was stored up to `storedUpTo`, so later updates merge onto that.
   */
  async #baseline(
    object: string,
    events: ChangeEvent[],
    replayed: readonly string[],
    storedUpTo: number | null,
  ): Promise<Map<string, Fields | null>> {
    const current = new Map<string, Fields | null>();
    const updated = [...new Set(events.filter((e) => e.header.changeType === 'UPDATE').flatMap((e) => e.header.recordIds))];
    const firstAt = new Date(Math.min(...events.map((e) => e.header.commitTimestamp)) - 1);
    for (const r of await this.store.readRecords({ orgId: this.orgId, object, at: firstAt, ids: updated })) current.set(r.id, r.fields);
    const skippedTo = replayed.filter((id) => updated.includes(id));
    if (skippedTo.length > 0 && storedUpTo !== null) {
      for (const id of skippedTo) current.delete(id);
      for (const r of await this.store.readRecords({ orgId: this.orgId, object, at: new Date(storedUpTo), ids: skippedTo }))
        current.set(r.id, r.fields);
    }
    return current;
  }

  /** SystemModstamp and formulas from the org, for the last version of each record if the org still holds it. */
  async #completeNotCarried(object: string, layout: EventLayout, records: JsonRecord[]): Promise<void> {
    if (layout.notCarried.length === 0 || records.length === 0 || !('LastModifiedDate' in layout.scope.fieldTypes)) return;
    const last = new Map<string, JsonRecord>();
    for (const r of records) last.set(r.id, r);
    const select = ['LastModifiedDate', ...layout.notCarried];
    for (const ids of chunks([...last.keys()], ID_CHUNK)) {
      const rows = await recordsByIds(this.conn, object, select, ids);
      for (const row of rows) {
        const r = last.get(String(row.Id));
        if (!r || Date.parse(String(row.LastModifiedDate)) !== Date.parse(String(r.fields.LastModifiedDate))) continue;
        for (const f of layout.notCarried) r.fields[f] = row[f] ?? null;
      }
    }
  }

  /**
   * Records a GAP_* event named, read from the org by id: their current state as a version at
   * their SystemModstamp, or a tombstone when the org no longer has them.
   */
  async #fetch(object: string, layout: EventLayout, ids: string[]): Promise<{ records: JsonRecord[]; tombstones: Tombstone[] }> {
    const records: JsonRecord[] = [];
    const tombstones: Tombstone[] = [];
    const stamp = layout.scope.watermarkField ?? 'CreatedDate';
    for (const chunk of chunks(ids, ID_CHUNK)) {
      const rows = await recordsByIds(this.conn, object, layout.scope.fields, chunk, { all: layout.scope.hasIsDeleted });
      const found = new Set<string>();
      for (const row of rows) {
        const id = String(row.Id);
        found.add(id);
        const fields = Object.fromEntries(layout.scope.fields.map((f) => [f, row[f] ?? null]));
        if (row.IsDeleted === true) tombstones.push({ id, deletedAt: String(row[stamp]) });
        else records.push({ id, validFrom: String(row[stamp]), fields });
      }
      const now = new Date();
      for (const id of chunk) if (!found.has(id)) tombstones.push({ id, deletedAt: now });
    }
    return { records, tombstones };
  }
}

/**
 * The batch's events of one object as versions, in commit order. `current` holds the latest fields
 * of each record touched (null once deleted) and moves with each event, so later updates merge
 * onto earlier ones. `gaps`: records only the org can tell (GAP_* events, updates of records never
 * seen); a GAP_OVERFLOW marks the object in `outcome.overflow`.
 */
function toVersions(
  object: string,
  layout: EventLayout,
  events: readonly ChangeEvent[],
  current: Map<string, Fields | null>,
  outcome: Pick<ApplyOutcome, 'overflow'>,
): { records: JsonRecord[]; tombstones: Tombstone[]; gaps: Set<string> } {
  const records: JsonRecord[] = [];
  const tombstones: Tombstone[] = [];
  const gaps = new Set<string>();
  for (const e of events) {
    const { changeType, recordIds } = e.header;
    const at = new Date(e.header.commitTimestamp);
    if (changeType === 'GAP_OVERFLOW') outcome.overflow.add(object);
    else if (changeType.startsWith('GAP_')) for (const id of recordIds) gaps.add(id);
    else if (changeType === 'DELETE') {
      for (const id of recordIds) {
        tombstones.push({ id, deletedAt: at });
        current.set(id, null);
      }
    } else {
      const values = eventValues(layout, e.body);
      for (const id of recordIds) {
        const base = current.get(id);
        // An update of a record never seen (or seen deleted): the org is the only source of its other fields.
        if (changeType === 'UPDATE' && !base) gaps.add(id);
        else {
          const fields = changeType === 'UPDATE' ? updatedFields(layout, base!, e, values) : createdFields(layout, values);
          fields.Id = id;
          if (layout.scope.hasIsDeleted) fields.IsDeleted = false;
          current.set(id, fields);
          records.push({ id, validFrom: at, fields });
        }
      }
    }
  }
  return { records, tombstones, gaps };
}

/** A create's or undelete's full body: every field events carry. */
function createdFields(layout: EventLayout, values: Map<string, unknown>): Fields {
  return Object.fromEntries(layout.scope.fields.filter((f) => !layout.notCarried.includes(f)).map((f) => [f, values.get(f) ?? null]));
}

/**
 * An update merged onto the record's last fields: changed fields take the event's values, nulled
 * ones null. Fields events never carry are dropped, except a compound's own value (Contact.Name)
 * while none of its parts changed.
 */
function updatedFields(layout: EventLayout, base: Fields, e: ChangeEvent, values: Map<string, unknown>): Fields {
  const { changedFields, nulledFields } = e.header;
  const fields = { ...base };
  for (const f of layout.notCarried) {
    if (!layout.compoundValues.includes(f) || changedFields.some((c) => c.startsWith(`${f}.`))) delete fields[f];
  }
  for (const name of changedFields) {
    const f = storedFieldOf(layout, name);
    if (f) fields[f] = values.get(f) ?? null;
  }
  for (const name of nulledFields) {
    const f = storedFieldOf(layout, name);
    if (f) fields[f] = null;
  }
  return fields;
}
