import type { SourceField } from '../source.js';

/** How a value travels in an event: Avro primitive plus the Salesforce meaning. */
export type ValueKind = 'string' | 'boolean' | 'int' | 'long' | 'double' | 'date' | 'datetime';

export interface SimpleSlot {
  name: string;
  kind: ValueKind;
  /** The record field that fills it. */
  source: string;
}

export interface CompoundSlot {
  name: string;
  /** Avro record type name (Address, Switchable_PersonName, ...). */
  typeName: string;
  children: SimpleSlot[];
}

export type Slot = SimpleSlot | CompoundSlot;

/**
 * The body of one entity's change event: the record's fields in describe order, without the
 * fields Salesforce never sends (Id, IsDeleted, SystemModstamp, formulas, ...), compound fields
 * grouped into nested records. Avro position of slots[i] is i + 1 (0 is ChangeEventHeader).
 */
export interface EntityLayout {
  entity: string;
  eventName: string;
  slots: Slot[];
  /** Record field name → where it sits: slot index, and child index inside a compound. */
  positions: Map<string, { slot: number; child?: number }>;
}

const NEVER_SENT = new Set(['Id', 'IsDeleted', 'SystemModstamp', 'LastViewedDate', 'LastReferencedDate']);
const NOT_VALUES = new Set(['base64', 'address', 'location', 'anyType', 'complexvalue']);

const KIND_BY_TYPE: Record<string, ValueKind> = {
  boolean: 'boolean',
  int: 'int',
  long: 'long',
  double: 'double',
  currency: 'double',
  percent: 'double',
  date: 'date',
  datetime: 'datetime',
};

export function isCompound(slot: Slot): slot is CompoundSlot {
  return 'children' in slot;
}

/** AccountChangeEvent, Invoice__ChangeEvent. */
export function eventNameOf(entity: string): string {
  return entity.endsWith('__c') ? `${entity.slice(0, -3)}__ChangeEvent` : `${entity}ChangeEvent`;
}

/** The part name inside a compound: BillingCity → City, FirstName → FirstName, Loc__Latitude__s → Latitude__s. */
function childName(compound: string, field: string): string {
  const prefix = compound.endsWith('Address')
    ? compound.slice(0, -'Address'.length)
    : compound.endsWith('__c')
      ? compound.slice(0, -1)
      : '';
  return prefix && field.startsWith(prefix) ? field.slice(prefix.length) : field;
}

function compoundTypeName(compound: string, fields: SourceField[]): string {
  const parent = fields.find((f) => f.name === compound);
  if (parent?.type === 'address' || compound.endsWith('Address')) return 'Address';
  if (parent?.type === 'location' || compound.endsWith('__c')) return 'Location';
  return 'Switchable_PersonName';
}

export function buildLayout(entity: string, fields: SourceField[]): EntityLayout {
  const parents = new Set(fields.map((f) => f.compoundFieldName).filter((n): n is string => !!n));
  const slots: Slot[] = [];
  const compounds = new Map<string, CompoundSlot>();
  const compoundSlot = (name: string): CompoundSlot => {
    let slot = compounds.get(name);
    if (!slot) {
      slot = { name, typeName: compoundTypeName(name, fields), children: [] };
      compounds.set(name, slot);
      slots.push(slot);
    }
    return slot;
  };
  for (const f of fields) {
    if (NEVER_SENT.has(f.name) || f.calculated) continue;
    if (parents.has(f.name)) {
      compoundSlot(f.name);
      continue;
    }
    if (NOT_VALUES.has(f.type)) continue;
    const simple: SimpleSlot = { name: f.name, kind: KIND_BY_TYPE[f.type] ?? 'string', source: f.name };
    if (f.compoundFieldName) {
      compoundSlot(f.compoundFieldName).children.push({ ...simple, name: childName(f.compoundFieldName, f.name) });
    } else {
      slots.push(simple);
    }
  }
  const positions = new Map<string, { slot: number; child?: number }>();
  slots.forEach((slot, i) => {
    if (isCompound(slot)) slot.children.forEach((c, j) => positions.set(c.source, { slot: i, child: j }));
    else positions.set(slot.source, { slot: i });
  });
  return { entity, eventName: eventNameOf(entity), slots, positions };
}

/** Store value → Avro value of that kind (dates as days and datetimes as ms since the epoch). */
export function toEpochValue(kind: ValueKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (kind === 'datetime') return typeof value === 'number' ? value : Date.parse(normalizeIso(String(value)));
  if (kind === 'date') return Math.round(Date.parse(`${String(value).slice(0, 10)}T00:00:00Z`) / 86_400_000);
  if (kind === 'int' || kind === 'long') return Math.trunc(Number(value));
  if (kind === 'double') return Number(value);
  if (kind === 'boolean') return Boolean(value);
  return Array.isArray(value) ? value.join(';') : String(value);
}

/** Store value → the JSON a CometD client gets (datetimes in UTC ISO form). */
export function toJsonValue(kind: ValueKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (kind === 'datetime') return new Date(toEpochValue(kind, value) as number).toISOString();
  if (kind === 'date') return String(value).slice(0, 10);
  return toEpochValue(kind, value);
}

/** Salesforce writes +0000; Date.parse wants +00:00 or Z. */
function normalizeIso(s: string): string {
  return s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
}
