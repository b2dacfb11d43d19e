/**
 * Query results as CSV text, fast: one formatter per column compiled up front, rows joined into
 * one string per chunk. Bulk API 2.0 result pages are written with it (column headers are the
 * paths as written in describe, e.g. Owner.Name).
 */
import type { FieldDef } from '../data/model.js';
import type { QueryResult } from './execute.js';
import { isoDateTime } from '../data/values.js';

export interface CsvOptions {
  /** The delimiter character itself (Bulk's COMMA → ","); default ",". */
  delimiter?: string;
  /** "\n" (LF, default) or "\r\n" (CRLF). */
  lineEnding?: string;
  /** Quote every non-null value (Bulk 2.0 results do); otherwise only when needed. Default true. */
  quoteAll?: boolean;
  /** Text written for null; default "" (an empty field). */
  nullText?: string;
}

type Formatter = (v: unknown) => string;

function quoter(opts: Required<CsvOptions>): (s: string) => string {
  const needs = new RegExp(`["\\r\\n${opts.delimiter.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}]`);
  return opts.quoteAll
    ? (s) => `"${s.includes('"') ? s.replace(/"/g, '""') : s}"`
    : (s) => (needs.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
}

function formatter(f: FieldDef, quote: (s: string) => string, nullText: string): Formatter {
  switch (f.type) {
    case 'datetime':
      return (v) => (v === null || v === undefined ? nullText : quote(isoDateTime(v as number)));
    case 'int':
    case 'double':
    case 'currency':
    case 'percent':
    case 'boolean':
      return (v) => (v === null || v === undefined ? nullText : quote(String(v)));
    case 'address':
    case 'location':
      return (v) => (v === null || v === undefined ? nullText : quote(JSON.stringify(v)));
    default:
      return (v) => (v === null || v === undefined ? nullText : quote(v as string));
  }
}

function resolve(opts: CsvOptions): Required<CsvOptions> {
  return {
    delimiter: opts.delimiter ?? ',',
    lineEnding: opts.lineEnding ?? '\n',
    quoteAll: opts.quoteAll ?? true,
    nullText: opts.nullText ?? '',
  };
}

export function csvHeader(result: QueryResult, options: CsvOptions = {}): string {
  const o = resolve(options);
  const quote = quoter(o);
  return result.columns.map((c) => quote(c.name)).join(o.delimiter) + o.lineEnding;
}

/** Rows [start, end) of the result as CSV lines (each ending with the line ending). */
export function csvRowWriter(result: QueryResult, options: CsvOptions = {}): (start: number, end: number) => string {
  const o = resolve(options);
  const quote = quoter(o);
  const cols = result.columns.map((c) => ({ get: c.get, fmt: formatter(c.field, quote, o.nullText) }));
  const { rows } = result;
  const d = o.delimiter;
  const eol = o.lineEnding;
  return (start, end) => {
    // Short flat strings joined once: a long rope of small pieces keeps the young GC busy.
    const chunks: string[] = [];
    let out = '';
    for (let i = start; i < end; i++) {
      const row = rows[i]!;
      let line = '';
      for (let c = 0; c < cols.length; c++) {
        const col = cols[c]!;
        line += c === 0 ? col.fmt(col.get(row)) : d + col.fmt(col.get(row));
      }
      out += line + eol;
      if ((i & 127) === 127) {
        out.charCodeAt(0);
        chunks.push(out);
        out = '';
      }
    }
    chunks.push(out);
    return chunks.join('');
  };
}
