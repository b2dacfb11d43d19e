/**
 * Bulk API 2.0 CSV as Salesforce writes it: every value quoted (RFC 4180, `"` doubled), a null
 * as an empty quoted field, datetimes as 2024-01-31T12:00:00.000Z, numbers and checkboxes as
 * plain text. Cells are formatted straight from the column readers, one string per row, so a
 * result page never builds an object per record.
 */
import type { FieldDef } from '../data/model.js';
import type { RowGetter } from '../data/table.js';
import { SfError } from '../errors.js';

export const COLUMN_DELIMITERS: Record<string, string> = {
  COMMA: ',',
  TAB: '\t',
  PIPE: '|',
  SEMICOLON: ';',
  CARET: '^',
  BACKQUOTE: '`',
};

export const LINE_ENDINGS: Record<string, string> = { LF: '\n', CRLF: '\r\n' };

/** The quoted CSV text of a stored value (the value as text, or the empty string for null). */
export function quote(text: string): string {
  return text.indexOf('"') < 0 ? `"${text}"` : `"${text.replaceAll('"', '""')}"`;
}

const DAY = 86_400_000;

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** 2024-01-31T12:00:00.000Z, with the date part cached per day (datetimes cluster). */
function dateTimeFormatter(): (ms: number) => string {
  let cachedDay = NaN;
  let cachedPrefix = '';
  return (ms) => {
    const day = Math.floor(ms / DAY);
    if (day !== cachedDay) {
      cachedDay = day;
      cachedPrefix = new Date(day * DAY).toISOString().slice(0, 11);
    }
    let t = ms - day * DAY;
    const milli = t % 1000;
    t = (t - milli) / 1000;
    const s = t % 60;
    t = (t - s) / 60;
    const m = t % 60;
    const h = (t - m) / 60;
    return `${cachedPrefix}${pad2(h)}:${pad2(m)}:${pad2(s)}.${milli < 10 ? `00${milli}` : milli < 100 ? `0${milli}` : milli}Z`;
  };
}

/** A reader of one column's quoted cell text for a table row. */
export function cellWriter(field: FieldDef, get: RowGetter): (row: number) => string {
  switch (field.type) {
    case 'datetime': {
      const fmt = dateTimeFormatter();
      return (row) => {
        const v = get(row);
        return v === null || v === undefined ? '""' : `"${fmt(v as number)}"`;
      };
    }
    case 'boolean':
      return (row) => (get(row) === true ? '"true"' : '"false"');
    case 'int':
    case 'double':
    case 'currency':
    case 'percent':
    case 'id':
    case 'reference':
    case 'date':
      // Values that never contain a quote.
      return (row) => {
        const v = get(row);
        return v === null || v === undefined ? '""' : `"${String(v)}"`;
      };
    default:
      return (row) => {
        const v = get(row);
        if (v === null || v === undefined) return '""';
        return quote(typeof v === 'string' ? v : JSON.stringify(v));
      };
  }
}

export interface CsvLayout {
  delimiter: string;
  eol: string;
}

export function csvLayout(columnDelimiter: string, lineEnding: string): CsvLayout {
  const delimiter = COLUMN_DELIMITERS[columnDelimiter];
  const eol = LINE_ENDINGS[lineEnding];
  if (delimiter === undefined || eol === undefined) throw new SfError('INVALIDJOB', 'Invalid column delimiter or line ending', 400);
  return { delimiter, eol };
}

/** The header line: column names quoted. */
export function headerLine(names: string[], layout: CsvLayout): string {
  return names.map(quote).join(layout.delimiter) + layout.eol;
}

/** A writer of result rows from..to (indexes into `rows`) as CSV lines. */
export function rowsToCsv(
  cells: Array<(row: number) => string>,
  layout: CsvLayout,
): (rows: ArrayLike<number>, from: number, to: number) => string {
  const { delimiter, eol } = layout;
  const n = cells.length;
  return (rows, from, to) => {
    let out = '';
    for (let i = from; i < to; i++) {
      const row = rows[i]!;
      let line = cells[0]!(row);
      for (let c = 1; c < n; c++) line += delimiter + cells[c]!(row);
      out += line + eol;
    }
    return out;
  };
}
