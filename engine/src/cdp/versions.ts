import type { ChangeEvent } from '../salesforce/change-stream.js';
import type { DescribeSObject, ObjectScope } from '../salesforce/scope.js';
import { objectScope } from '../salesforce/scope.js';

/** What an object's change events mean in terms of the fields a backup stores. */
export interface EventLayout {
  scope: ObjectScope;
  /** Fields a backup stores that change events never carry (SystemModstamp, formulas, a compound's own value). */
  notCarried: string[];
  /** Compound fields stored with their own value (Contact.Name): events carry only their parts. */
  compoundValues: string[];
  /** Compound field → event part → component field (BillingAddress.City → BillingCity). */
  parts: Map<string, Map<string, string>>;
}

export function eventLayout(describe: DescribeSObject): EventLayout | undefined {
  const scope = objectScope(describe, { exclude: [] });
  if (!scope) return undefined;
  const calculated = new Set(describe.fields.filter((f) => f.calculated).map((f) => f.name));
  const compoundValues = scope.fields.filter((f) => f in scope.compounds);
  const notCarried = scope.fields.filter((f) => f === 'SystemModstamp' || calculated.has(f) || f in scope.compounds);
  const parts = new Map<string, Map<string, string>>();
  for (const [compound, components] of Object.entries(scope.compounds)) {
    const m = new Map<string, string>();
    const prefix = compound.replace(/Address$/, '');
    for (const c of components) m.set(c.startsWith(prefix) && c !== prefix ? c.slice(prefix.length) : c, c);
    parts.set(compound, m);
  }
  return { scope, notCarried, compoundValues, parts };
}

/** Pub/Sub's Avro values as the store keeps REST values: datetimes ISO-8601, dates YYYY-MM-DD. */
function storedValue(type: string | undefined, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'bigint') {
    const n = Number(v);
    if (type === 'datetime') return new Date(n).toISOString();
    if (type === 'date') return new Date(n * 86_400_000).toISOString().slice(0, 10);
    if (type === 'time') return new Date(n).toISOString().slice(11);
    return n;
  }
  return v;
}

/** The event's values by stored field name: compounds flattened into their components. */
export function eventValues(layout: EventLayout, body: Record<string, unknown>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const types = layout.scope.fieldTypes;
  for (const [k, v] of Object.entries(body)) {
    const parts = layout.parts.get(k);
    if (parts) {
      const nested = (v ?? {}) as Record<string, unknown>;
      for (const [part, field] of parts) out.set(field, storedValue(types[field], nested[part]));
    } else if (k in types) out.set(k, storedValue(types[k], v));
  }
  return out;
}

/** A changedFields / nulledFields entry ("Phone", "BillingAddress.City") as the stored field. */
export function storedFieldOf(layout: EventLayout, name: string): string | undefined {
  const dot = name.indexOf('.');
  if (dot < 0) return name in layout.scope.fieldTypes ? name : undefined;
  return layout.parts.get(name.slice(0, dot))?.get(name.slice(dot + 1));
}

/**
 * Events in the order their changes were committed: by commit time, then transaction (as first
 * seen in replay order), then sequence number within the transaction.
 */
export function commitOrder(events: readonly ChangeEvent[]): ChangeEvent[] {
  const firstSeen = new Map<string, number>();
  for (const e of events) if (!firstSeen.has(e.header.transactionKey)) firstSeen.set(e.header.transactionKey, e.replayId);
  return [...events].sort(
    (a, b) =>
      a.header.commitTimestamp - b.header.commitTimestamp ||
      firstSeen.get(a.header.transactionKey)! - firstSeen.get(b.header.transactionKey)! ||
      a.header.sequenceNumber - b.header.sequenceNumber ||
      a.replayId - b.replayId,
  );
}
