/**
 * Query results as CSV (UTF-8 bytes), fast. Bulk 2.0 result pages are written with it (headers
 * are the paths as written in describe, e.g. Owner.Name). With every value quoted (Bulk's way)
 * the row loop is generated per query, reading columns' backing arrays directly and writing
 * bytes without building strings: serving must outrun any engine reading it.
 */
import type { FieldDef } from '../data/model.js';
import type { Table } from '../data/table.js';
import type { QueryColumn, QueryResult } from './execute.js';
import { isoDateTime } from '../data/values.js';
import { CsvBytes } from './csv-bytes.js';

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

function resolve(opts: CsvOptions): Required<CsvOptions> {
  return {
    delimiter: opts.delimiter ?? ',',
    lineEnding: opts.lineEnding ?? '\n',
    quoteAll: opts.quoteAll ?? true,
    nullText: opts.nullText ?? '',
  };
}

function quoter(opts: Required<CsvOptions>): (s: string) => string {
  const needs = new RegExp(`["\\r\\n${opts.delimiter.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}]`);
  return opts.quoteAll
    ? (s) => `"${s.includes('"') ? s.replace(/"/g, '""') : s}"`
    : (s) => (needs.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
}

/** A stored value as CSV text before quoting; null stays null. */
function text(f: FieldDef, v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (f.type === 'datetime') return isoDateTime(v as number);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function csvHeader(result: QueryResult, options: CsvOptions = {}): string {
  const o = resolve(options);
  const quote = quoter(o);
  return result.columns.map((c) => quote(c.name)).join(o.delimiter) + o.lineEnding;
}

type Writer = (start: number, end: number) => Buffer;

/** Rows [start, end) of the result as CSV lines in UTF-8 (each ending with the line ending). */
export function csvRowWriter(result: QueryResult, options: CsvOptions = {}): Writer {
  const o = resolve(options);
  return o.quoteAll ? quotedWriter(result, o) : plainWriter(result, o);
}

function plainWriter(result: QueryResult, o: Required<CsvOptions>): Writer {
  const quote = quoter(o);
  const cols = result.columns.map((c) => c);
  return (start, end) => {
    const lines: string[] = [];
    for (let i = start; i < end; i++) {
      const row = result.rows[i]!;
      lines.push(
        cols
          .map((c) => {
            const t = text(c.field, c.get(row));
            return t === null ? o.nullText : quote(t);
          })
          .join(o.delimiter),
      );
    }
    return Buffer.from(lines.length ? lines.join(o.lineEnding) + o.lineEnding : '');
  };
}

/** How one column is read in the generated loop: straight from an array, or through a reader. */
function access(table: Table, col: QueryColumn, k: number): { setup: string; expr: string; kind: 'id' | 'any' | 'datetime' | 'boolean' } {
  if (col.parents.length === 0 && col.field.name === 'Id') return { setup: `const c${k} = t.allIds();`, expr: `c${k}[r]`, kind: 'id' };
  const raw = col.parents.length === 0 ? table.rawColumn(col.field.name) : undefined;
  if (raw) return { setup: `const c${k} = t.rawColumn(${JSON.stringify(col.field.name)}).data;`, expr: `c${k}[r]`, kind: raw.kind };
  return { setup: `const c${k} = cols[${k}].get;`, expr: `c${k}(r)`, kind: col.field.type === 'datetime' ? 'datetime' : 'any' };
}

function quotedWriter(result: QueryResult, o: Required<CsvOptions>): Writer {
  const { table } = result;
  const setup: string[] = [];
  const parts: string[] = [];
  // Each field goes straight into the chunk's bytes, by code specialised to its column's kind:
  // no per-value type switch, no strings built per line.
  result.columns.forEach((col, k) => {
    const a = access(table, col, k);
    setup.push(a.setup);
    const v = `v${k}`;
    if (k > 0) parts.push('w.text(sep);');
    if (a.kind === 'id') parts.push(`w.quoted(${a.expr});`);
    else if (a.kind === 'boolean') parts.push(`w.text(${a.expr} === 1 ? '"true"' : '"false"');`);
    else if (a.kind === 'datetime') {
      const get = col.parents.length === 0 && table.rawColumn(col.field.name) ? a.expr : `(${a.expr} ?? NaN)`;
      parts.push(`${v} = ${get}; if (${v} !== ${v}) w.text(nul); else w.dateTime(${v});`);
    } else
      parts.push(
        `${v} = ${a.expr};
      if (${v} === null || ${v} === undefined) w.text(nul); else w.quoted(typeof ${v} === 'string' ? ${v} : q(${k}, ${v}));`,
      );
  });
  const vars = result.columns.map((_, k) => `v${k}`).join(', ');
  const body = `
    ${setup.join('\n')}
    let ${vars || '_unused'};
    for (let i = start; i < end; i++) {
      const r = rows[i];
      ${parts.join('\n      ')}
      w.text(eol);
    }`;
  const loop = new Function('t', 'rows', 'cols', 'q', 'w', 'eol', 'sep', 'nul', 'start', 'end', body) as (...args: unknown[]) => void;
  const q = (k: number, v: unknown): string => text(result.columns[k]!.field, v)!;
  // Sized from the last chunk so that growing is rare.
  let bytesPerRow = 16 * result.columns.length;
  return (start, end) => {
    const w = new CsvBytes(Math.ceil(bytesPerRow * (end - start) * 1.1));
    loop(table, result.rows, result.columns, q, w, o.lineEnding, o.delimiter, o.nullText, start, end);
    if (end > start) bytesPerRow = w.pos / (end - start);
    return w.bytes();
  };
}
