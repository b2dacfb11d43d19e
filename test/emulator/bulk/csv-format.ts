/**
 * The CSV layouts a Bulk API 2.0 job may name (columnDelimiter, lineEnding) and the quoting of
 * ingest result values. Query result rows are written by soql/csv.ts.
 */
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

/** A value quoted as RFC 4180 says (`"` doubled). */
export function quote(text: string): string {
  return text.indexOf('"') < 0 ? `"${text}"` : `"${text.replaceAll('"', '""')}"`;
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
