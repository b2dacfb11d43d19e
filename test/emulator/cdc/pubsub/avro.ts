import { createHash } from 'node:crypto';
import avro from 'avro-js';
import { CHANGE_TYPES, type ChangeEvent } from '../events/event.js';
import { isCompound, toEpochValue, type EntityLayout, type SimpleSlot, type ValueKind } from '../events/layout.js';

const NAMESPACE = 'com.sforce.eventbus';

const AVRO_TYPE: Record<ValueKind, string> = {
  string: 'string',
  boolean: 'boolean',
  int: 'int',
  long: 'long',
  double: 'double',
  date: 'int',
  datetime: 'long',
};

const DOC: Record<ValueKind, string> = {
  string: 'Data:Text',
  boolean: 'Data:Boolean',
  int: 'Data:Integer',
  long: 'Data:Long',
  double: 'Data:Double',
  date: 'Data:DateOnly',
  datetime: 'Data:DateTime',
};

const stringArray = { type: 'array', items: 'string' };

const HEADER = {
  type: 'record',
  name: 'ChangeEventHeader',
  fields: [
    { name: 'entityName', type: 'string' },
    { name: 'recordIds', type: stringArray },
    { name: 'changeType', type: { type: 'enum', name: 'ChangeType', namespace: NAMESPACE, symbols: CHANGE_TYPES } },
    { name: 'changeOrigin', type: 'string' },
    { name: 'transactionKey', type: 'string' },
    { name: 'sequenceNumber', type: 'int' },
    { name: 'commitTimestamp', type: 'long' },
    { name: 'commitNumber', type: 'long' },
    { name: 'commitUser', type: 'string' },
    { name: 'nulledFields', type: stringArray },
    { name: 'diffFields', type: stringArray },
    { name: 'changedFields', type: stringArray },
  ],
};

function nullable(slot: SimpleSlot): object {
  return { name: slot.name, type: ['null', AVRO_TYPE[slot.kind]], doc: DOC[slot.kind], default: null };
}

/** One entity's change event schema, its id, and the encoder for its payloads. */
export interface EventSchema {
  id: string;
  json: string;
  encode(event: ChangeEvent): Buffer;
}

export function buildEventSchema(layout: EntityLayout): EventSchema {
  const defined = new Map<string, string>();
  const fields: object[] = [{ name: 'ChangeEventHeader', type: HEADER, doc: 'Data:ChangeEventHeader' }];
  const recordNames: string[] = [];
  for (const slot of layout.slots) {
    if (!isCompound(slot)) {
      fields.push(nullable(slot));
      recordNames.push('');
      continue;
    }
    // A named Avro type is defined once and referenced by name afterwards (BillingAddress, ShippingAddress).
    const shape = JSON.stringify(slot.children.map((c) => [c.name, c.kind]));
    let name = slot.typeName;
    for (let n = 2; defined.has(name) && defined.get(name) !== shape; n++) name = `${slot.typeName}${n}`;
    const type = defined.has(name) ? `${NAMESPACE}.${name}` : { type: 'record', name, fields: slot.children.map(nullable) };
    defined.set(name, shape);
    fields.push({ name: slot.name, type: ['null', type], doc: `Data:${slot.typeName}`, default: null });
    recordNames.push(`${NAMESPACE}.${name}`);
  }
  const json = JSON.stringify({ type: 'record', name: layout.eventName, namespace: NAMESPACE, fields });
  const type = avro.parse(json);
  const id = createHash('md5').update(json).digest('base64url');
  return {
    id,
    json,
    encode(event) {
      const record: Record<string, unknown> = { ChangeEventHeader: avroHeader(layout, event) };
      layout.slots.forEach((slot, i) => {
        if (!isCompound(slot)) {
          record[slot.name] = wrap(slot, event.values);
          return;
        }
        const children = slot.children.filter((c) => c.source in event.values);
        if (children.length === 0) {
          record[slot.name] = null;
          return;
        }
        const inner: Record<string, unknown> = {};
        for (const c of slot.children) inner[c.name] = wrap(c, event.values);
        record[slot.name] = { [recordNames[i] as string]: inner };
      });
      return type.toBuffer(record);
    },
  };
}

function wrap(slot: SimpleSlot, values: Record<string, unknown>): unknown {
  const v = toEpochValue(slot.kind, values[slot.source]);
  return v === null ? null : { [AVRO_TYPE[slot.kind]]: v };
}

function avroHeader(layout: EntityLayout, event: ChangeEvent): object {
  const h = event.header;
  return {
    ...h,
    changedFields: fieldBitmap(layout, h.changedFields),
    nulledFields: fieldBitmap(layout, h.nulledFields),
    diffFields: fieldBitmap(layout, h.diffFields),
  };
}

/**
 * Field names → Salesforce's bitmap strings: element 0 is "0x" + uppercase hex with bit i for
 * top-level schema field i; each compound adds "{position}-0x..." with bits for its parts.
 */
export function fieldBitmap(layout: EntityLayout, names: string[]): string[] {
  if (names.length === 0) return [];
  let top = 0n;
  const nested = new Map<number, bigint>();
  for (const name of names) {
    const pos = layout.positions.get(name);
    if (!pos) continue;
    if (pos.child === undefined) top |= 1n << BigInt(pos.slot + 1);
    else nested.set(pos.slot + 1, (nested.get(pos.slot + 1) ?? 0n) | (1n << BigInt(pos.child)));
  }
  const out = [hex(top)];
  for (const [position, bits] of [...nested].sort((a, b) => a[0] - b[0])) out.push(`${position}-${hex(bits)}`);
  return out;
}

function hex(bits: bigint): string {
  const digits = bits.toString(16).toUpperCase();
  return `0x${digits.length % 2 ? `0${digits}` : digits}`;
}
