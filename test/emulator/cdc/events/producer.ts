import type { RecordChange, Transaction } from '../../data/changes.js';
import type { ChangeEvent, ChangeType } from './event.js';
import type { EntityLayout } from './layout.js';

export const DEFAULT_OVERFLOW_THRESHOLD = 100_000;

const TYPE_BY_KIND: Record<RecordChange['kind'], ChangeType> = {
  create: 'CREATE',
  update: 'UPDATE',
  delete: 'DELETE',
  undelete: 'UNDELETE',
  hardDelete: 'DELETE',
};

/**
 * Turns committed transactions into change events as Salesforce does: only selected entities,
 * full bodies on create and undelete, changed fields on update, identical changes in one
 * transaction merged into one event with several recordIds, GAP_OVERFLOW per entity past the
 * threshold, and gap events on demand.
 */
export class ChangeEventProducer {
  overflowThreshold = DEFAULT_OVERFLOW_THRESHOLD;
  /** Test hook: this many coming transactions are reported as GAP_* events (header only). */
  gapTransactions = 0;

  constructor(private readonly layoutOf: (entity: string) => EntityLayout | undefined) {}

  produce(tx: Transaction): ChangeEvent[] {
    const changes = tx.changes.filter((c) => this.layoutOf(c.sobject));
    if (changes.length === 0) return [];
    const gap = this.gapTransactions > 0;
    if (gap) this.gapTransactions--;
    const regular = changes.slice(0, this.overflowThreshold);
    const overflowed = changes.slice(this.overflowThreshold);

    const events: ChangeEvent[] = [];
    const byKey = new Map<string, ChangeEvent>();
    for (const change of regular) {
      const event = this.eventFor(tx, change, gap);
      if (!event) continue;
      // Only changes of one transaction can merge: a single change needs no key.
      const key =
        regular.length > 1
          ? JSON.stringify([event.header.entityName, event.header.changeType, event.values, event.header.changedFields])
          : '';
      const same = key ? byKey.get(key) : undefined;
      if (same) {
        same.header.recordIds.push(change.id);
      } else {
        byKey.set(key, event);
        events.push(event);
      }
    }
    for (const entity of new Set(overflowed.map((c) => c.sobject))) {
      events.push({ header: header(tx, entity, 'GAP_OVERFLOW', []), values: {} });
    }
    events.forEach((e, i) => (e.header.sequenceNumber = i + 1));
    return events;
  }

  private eventFor(tx: Transaction, change: RecordChange, gap: boolean): ChangeEvent | undefined {
    const layout = this.layoutOf(change.sobject) as EntityLayout;
    const type = TYPE_BY_KIND[change.kind];
    if (gap) return { header: header(tx, change.sobject, `GAP_${type}` as ChangeType, [change.id]), values: {} };
    const event: ChangeEvent = { header: header(tx, change.sobject, type, [change.id]), values: {} };
    if (type === 'DELETE') return event;
    const names = type === 'UPDATE' ? change.changedFields : Object.keys(change.fields);
    for (const name of names) {
      if (layout.positions.has(name)) event.values[name] = change.fields[name] ?? null;
    }
    if (type === 'UPDATE') {
      const changed = Object.keys(event.values);
      // A write that touched only fields events never carry (SystemModstamp, formulas) is no change event.
      if (changed.length === 0) return undefined;
      event.header.changedFields = changed;
      event.header.nulledFields = changed.filter((n) => event.values[n] === null);
    }
    return event;
  }
}

function header(tx: Transaction, entity: string, changeType: ChangeType, recordIds: string[]): ChangeEvent['header'] {
  return {
    entityName: entity,
    recordIds,
    changeType,
    changeOrigin: tx.origin,
    transactionKey: tx.transactionKey,
    sequenceNumber: 0,
    commitTimestamp: tx.commitTimestamp,
    commitNumber: tx.commitNumber,
    commitUser: tx.userId,
    changedFields: [],
    nulledFields: [],
    diffFields: [],
  };
}
