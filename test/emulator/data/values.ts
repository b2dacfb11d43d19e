/**
 * Values between the API and the store: input JSON to stored form (datetimes as epoch ms, dates
 * as YYYY-MM-DD, blobs as Blob), and stored form to JSON / CSV text as Salesforce writes them.
 */
import { SfError } from '../errors.js';
import { StoredBlob, isBlob } from './blobs.js';
import type { FieldDef } from './model.js';
import { normalizeId } from './ids.js';

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME_RE = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?(Z|[+-]\d{2}:?\d{2})?$/;

export function parseDateTime(s: string): number | null {
  const m = DATETIME_RE.exec(s);
  if (!m) return null;
  let zone = m[6] ?? 'Z';
  if (zone !== 'Z' && !zone.includes(':')) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4] ?? '00'}.${(m[5] ?? '0').padEnd(3, '0')}${zone}`);
  return Number.isNaN(ms) ? null : ms;
}

function badValue(f: FieldDef, value: unknown): SfError {
  const kind =
    f.type === 'int'
      ? 'int'
      : f.type === 'boolean'
        ? 'boolean'
        : f.type === 'date'
          ? 'date'
          : f.type === 'datetime'
            ? 'datetime'
            : 'double';
  return new SfError(
    'JSON_PARSER_ERROR',
    `Cannot deserialize instance of ${kind} from VALUE_STRING value ${String(value)} or request may be missing a required field`,
  );
}

/** The stored form of an input value for field f; SfError when it does not fit. */
export function toStored(f: FieldDef, value: unknown): unknown {
  if (value === null || value === undefined || value === '') {
    if (f.type === 'boolean') return false;
    return null;
  }
  switch (f.type) {
    case 'int':
    case 'double':
    case 'currency':
    case 'percent': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      if (!Number.isFinite(n) || (f.type === 'int' && !Number.isInteger(n))) throw badValue(f, value);
      return n;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      throw badValue(f, value);
    case 'date': {
      const s = String(value);
      if (DATE_RE.test(s)) return s;
      const ms = parseDateTime(s);
      if (ms === null) throw badValue(f, value);
      return new Date(ms).toISOString().slice(0, 10);
    }
    case 'datetime': {
      if (typeof value === 'number') return value;
      const s = String(value);
      const ms = DATE_RE.test(s) ? Date.parse(`${s}T00:00:00Z`) : parseDateTime(s);
      if (ms === null || Number.isNaN(ms)) throw badValue(f, value);
      return ms;
    }
    case 'reference':
    case 'id': {
      const id = normalizeId(value);
      if (!id) throw new SfError('MALFORMED_ID', `${f.label}: id value of incorrect type: ${String(value)}`, 400, [f.name]);
      return id;
    }
    case 'base64':
      if (isBlob(value)) return value;
      if (typeof value !== 'string') throw badValue(f, value);
      return new StoredBlob(Buffer.from(value, 'base64'));
    default: {
      const s = typeof value === 'object' ? JSON.stringify(value) : String(value);
      if (f.length && s.length > f.length)
        throw new SfError('STRING_TOO_LONG', `${f.label}: data value too large: ${s.slice(0, 40)} (max length=${f.length})`, 400, [f.name]);
      return s;
    }
  }
}

/** 2013-05-20T20:49:32.000+0000, as the REST API writes datetimes. */
export function restDateTime(ms: number): string {
  return `${isoDateTime(ms).slice(0, -1)}+0000`;
}

/** A stored value as JSON for the REST API (blobs are answered by the caller as a URL). */
export function toJson(f: FieldDef, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (f.type === 'datetime') return restDateTime(v as number);
  if (isBlob(v)) return null;
  return v;
}

const DAY = 86_400_000;
const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const dayText = new Map<number, string>();

export const MS_PER_DAY = DAY;

/** "YYYY-MM-DDT" of a day counted from the epoch (cached: rows share few days). */
export function isoDay(day: number): string {
  let d = dayText.get(day);
  if (d === undefined) {
    d = new Date(day * DAY).toISOString().slice(0, 11);
    if (dayText.size > 100_000) dayText.clear();
    dayText.set(day, d);
  }
  return d;
}

/** new Date(ms).toISOString(), several times faster: readers format millions of these. */
export function isoDateTime(ms: number): string {
  const day = Math.floor(ms / DAY);
  const d = isoDay(day);
  let rest = ms - day * DAY;
  const millis = rest % 1000;
  rest = (rest - millis) / 1000;
  const sec = rest % 60;
  rest = (rest - sec) / 60;
  const min = rest % 60;
  const hour = (rest - min) / 60;
  return `${d}${TWO[hour]}:${TWO[min]}:${TWO[sec]}.${THREE[millis]}Z`;
}

/** A stored value as Bulk API CSV text, unquoted (the writer quotes): null is empty. */
export function toCsvText(f: FieldDef, v: unknown): string {
  if (v === null || v === undefined) return '';
  if (f.type === 'datetime') return isoDateTime(v as number);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
