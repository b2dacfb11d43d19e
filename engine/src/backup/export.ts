import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { Store } from '../store/store.js';

export type ExportFormat = 'csv' | 'jsonl';

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * One spelling per value whatever produced the version (Bulk CSV text, REST JSON, change events):
 * text, with datetimes as ISO-8601 UTC, so exports of the same state compare equal.
 */
export function canonicalValue(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'string') return DATETIME.test(v) ? new Date(v.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')).toISOString() : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export interface ExportRequest {
  orgId: string;
  object: string;
  at: Date;
  format: ExportFormat;
}

async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

/**
 * The records of an object as they were at `at`, from the backup alone (in storage order). CSV needs
 * the union of the fields every version carries (describe may have changed between jobs), so it
 * reads the store twice rather than holding the records. Records a GDPR erasure removed (the
 * erasure ledger) are left out and counted.
 */
export async function exportRecords(store: Store, req: ExportRequest, out: Writable): Promise<{ records: number; erased: number }> {
  const q = { orgId: req.orgId, object: req.object, at: req.at };
  let columns: string[] = [];
  if (req.format === 'csv') {
    const names = new Set<string>(['Id']);
    for await (const r of store.readAsOf(q)) for (const k of Object.keys(r.fields)) names.add(k);
    columns = [...names];
    await write(out, stringify([columns]));
  }
  let n = 0;
  let erased = 0;
  for await (const r of store.readAsOf({ ...q, onWithheld: () => erased++ })) {
    const fields: Record<string, unknown> = { ...r.fields, Id: r.id };
    if (req.format === 'csv') await write(out, stringify([columns.map((c) => canonicalValue(fields[c]) ?? '')]));
    else await write(out, `${JSON.stringify(Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, canonicalValue(v)])))}\n`);
    n++;
  }
  return { records: n, erased };
}
