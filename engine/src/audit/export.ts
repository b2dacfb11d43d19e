import type { AuditEntry, ExportFormat } from './types.js';

const CSV_COLUMNS = [
  'seq',
  'at',
  'tenantId',
  'orgId',
  'actor',
  'keyId',
  'source',
  'action',
  'target',
  'outcome',
  'code',
  'requestId',
  'details',
  'prevHash',
  'hash',
] as const;

const csvCell = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v);
  // A cell a spreadsheet would run as a formula is quoted and marked: the trail may hold user-chosen names.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n']/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};

export function exportHeader(format: ExportFormat): string {
  return format === 'csv' ? `${CSV_COLUMNS.join(',')}\r\n` : '';
}

/** One entry as one line of the export: JSON Lines, or CSV (RFC 4180, CRLF). */
export function exportLine(entry: AuditEntry, format: ExportFormat): string {
  if (format === 'jsonl') return `${JSON.stringify({ ...entry, at: entry.at.toISOString() })}\n`;
  return `${CSV_COLUMNS.map((c) => csvCell(entry[c])).join(',')}\r\n`;
}
