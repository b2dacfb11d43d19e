/**
 * Records as the partner API writes them: `<sf:type>`, then `<sf:Id>` (nil unless Id was
 * selected — and Id again in its place when it was), then the fields in select order; parents
 * nest as sObjects, child subqueries as QueryResults, AggregateResult fields carry xsi:type.
 * They are projected from the REST API's JSON records (rest/records.ts) so both APIs answer the
 * same query alike; leaves are formatted by their field's type (datetimes in UTC with Z,
 * doubles as Java prints them, base64 fields inline).
 */
import type { Org } from '../data/org.js';
import type { FieldDef } from '../data/model.js';
import { isBlob } from '../data/blobs.js';
import { escapeXml } from './xml.js';

type Json = Record<string, unknown>;

/** Double.toString as Java writes it: 5000.0, 0.25, 1.5E7. */
export function javaDouble(n: number): string {
  if (!Number.isFinite(n)) return n !== n ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
  const abs = Math.abs(n);
  if (abs === 0 || (abs >= 1e-3 && abs < 1e7)) {
    const s = String(n);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa, exp] = n.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exp)}`;
}

const XSD_TYPES: Record<string, string> = { boolean: 'xsd:boolean', int: 'xsd:int', double: 'xsd:double', date: 'xsd:date' };

function leafText(f: FieldDef | undefined, v: unknown): string {
  if (typeof v === 'string' && f?.type === 'datetime') return v.replace(/\+0000$/, 'Z');
  if (typeof v === 'number' && f && f.type !== 'int') return javaDouble(v);
  return String(v);
}

/** The bytes of a base64 field, which the partner API returns inline where REST gives a URL. */
function blobText(org: Org, rec: Json, f: FieldDef): string | null {
  const url = (rec.attributes as { url?: string } | undefined)?.url ?? '';
  const loc = org.locate(url.split('/').pop() ?? '');
  const v = loc ? loc.table.getStored(loc.row, f.name) : null;
  return isBlob(v) ? v.bytes().toString('base64') : null;
}

function nil(name: string): string {
  return `<${name} xsi:nil="true"/>`;
}

/** One field of a record: a leaf, a compound value, a parent sObject or a child QueryResult. */
function fieldXml(org: Org, rec: Json, def: { field(name: string): FieldDef | undefined } | undefined, key: string, v: unknown): string {
  const name = `sf:${key}`;
  const f = def?.field(key);
  if (f?.type === 'base64' && v !== null) {
    const text = blobText(org, rec, f);
    return text === null ? nil(name) : `<${name}>${text}</${name}>`;
  }
  if (v === null || v === undefined) return nil(name);
  if (typeof v === 'object') {
    const o = v as Json;
    if ('attributes' in o) return `<${name} xsi:type="sf:sObject">${sObjectXml(org, o)}</${name}>`;
    if ('records' in o && 'totalSize' in o)
      return `<${name} xsi:type="QueryResult">${queryResultXml(org, o.records as Json[], true, null, o.totalSize as number)}</${name}>`;
    const parts = Object.entries(o).map(([k, x]) => (x === null ? nil(k) : `<${k}>${escapeXml(leafText(undefined, x))}</${k}>`));
    return `<${name} xsi:type="${f?.type ?? 'address'}">${parts.join('')}</${name}>`;
  }
  return `<${name}>${escapeXml(leafText(f, v))}</${name}>`;
}

/** AggregateResult fields: no describe to go by, so each says its type. */
function aggregateFieldXml(key: string, v: unknown): string {
  if (v === null || v === undefined) return nil(`sf:${key}`);
  let type = 'xsd:string';
  let text = String(v);
  if (typeof v === 'number') {
    type = Number.isInteger(v) ? XSD_TYPES.int! : XSD_TYPES.double!;
    text = Number.isInteger(v) ? text : javaDouble(v);
  } else if (typeof v === 'boolean') type = XSD_TYPES.boolean!;
  else if (/^\d{4}-\d{2}-\d{2}T.*\+0000$/.test(text)) {
    type = 'xsd:dateTime';
    text = text.replace(/\+0000$/, 'Z');
  }
  return `<sf:${key} xsi:type="${type}">${escapeXml(text)}</sf:${key}>`;
}

/** The inside of a `<records xsi:type="sf:sObject">` element. */
export function sObjectXml(org: Org, rec: Json): string {
  const type = (rec.attributes as { type: string }).type;
  const id = typeof rec.Id === 'string' ? `<sf:Id>${rec.Id}</sf:Id>` : nil('sf:Id');
  const out = [`<sf:type>${escapeXml(type)}</sf:type>`, id];
  if (type === 'AggregateResult') {
    for (const [k, v] of Object.entries(rec)) if (k !== 'attributes') out.push(aggregateFieldXml(k, v));
    return out.join('');
  }
  const def = org.hasObject(type) ? org.table(type) : undefined;
  for (const [k, v] of Object.entries(rec)) if (k !== 'attributes') out.push(fieldXml(org, rec, def, k, v));
  return out.join('');
}

export function queryResultXml(org: Org, records: Json[], done: boolean, locator: string | null, size: number): string {
  const rows = records.map((r) => `<records xsi:type="sf:sObject">${sObjectXml(org, r)}</records>`).join('');
  const loc = locator === null ? nil('queryLocator') : `<queryLocator>${locator}</queryLocator>`;
  return `<done>${done}</done>${loc}${rows}<size>${size}</size>`;
}
