import { hash } from 'node:crypto';
import { OrgVaultError } from '../../errors.js';
import { RowScanner, columnIndex, malformed, readHeader } from './csv.js';

export type PackFormat = 'csv' | 'jsonl' | 'tombstones';

/**
 * Record versions on their way into a pack, as parallel arrays rather than an object per row.
 * `digests` holds a 16-byte digest per row (SHA-256, truncated); it never leaves the process
 * unkeyed (the keyring turns it into the stored keyed hash).
 */
export interface Batch {
  format: PackFormat;
  /** CSV packs start with this header line. */
  header?: Buffer;
  count: number;
  ids: string[];
  /** ISO-8601 text, passed to PostgreSQL as is. */
  validFrom: string[];
  deleted: Uint8Array;
  digests: Buffer;
  /** The row's bytes in the pack (no line ending); empty for tombstones. */
  payload(i: number): Buffer;
}

export interface CsvColumns {
  /** Column holding the record id. */
  id: string;
  /** Column holding the time the version began (e.g. SystemModstamp). */
  modstamp: string;
  /** Optional column holding "true" for a deleted record (e.g. IsDeleted from queryAll). */
  deleted?: string;
}

export interface JsonRecord {
  id: string;
  validFrom: Date | string;
  deleted?: boolean;
  fields: Record<string, unknown>;
}

export interface Tombstone {
  id: string;
  /** When the record was deleted, or found gone. */
  deletedAt: Date | string;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}(:?\d{2})?)$/;
export const DIGEST = 16;

/**
 * Writes row i's digest into `out`: the first 16 bytes of SHA-256 of its bytes in the pack, for
 * CSV xor-ed with the header's (the column set is part of a version's identity: the same row
 * under another header differs). Writing and checking a pack compute it the same way.
 */
export function digestRow(out: Buffer, i: number, data: Buffer | string, xor?: Buffer): void {
  hash('sha256', data, 'buffer').copy(out, i * DIGEST, 0, DIGEST);
  if (xor) for (let b = 0; b < DIGEST; b++) out[i * DIGEST + b]! ^= xor[b]!;
}

export function headerDigest(line: Buffer): Buffer {
  return hash('sha256', line, 'buffer');
}

function timeText(value: Date | string, where: () => OrgVaultError): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw where();
    return value.toISOString();
  }
  if (!TIMESTAMP.test(value)) throw where();
  return value;
}

/**
 * Scans a CSV page (header + rows) for the catalog's needs: id, version time, deleted flag and a
 * digest of the row bytes, which stay where they are.
 */
export function csvBatch(csv: Buffer, columns: CsvColumns): Batch {
  const header = readHeader(csv);
  const ncols = header.columns.length;
  const idCol = columnIndex(header, columns.id);
  const stampCol = columnIndex(header, columns.modstamp);
  const delCol = columns.deleted === undefined ? -1 : columnIndex(header, columns.deleted);
  const headerHash = headerDigest(header.line);

  const ids: string[] = [];
  const validFrom: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  let deleted: Uint8Array = new Uint8Array(1024);
  let digests = Buffer.alloc(1024 * DIGEST);
  const scanner = new RowScanner(csv, ncols);
  let pos = header.bodyStart;
  let i = 0;
  for (; scanner.scan(pos, i + 1); i++) {
    const row = i + 1;
    if (scanner.count !== ncols) throw malformed(row, pos, `${scanner.count} fields, header has ${ncols}`);
    const id = scanner.value(idCol);
    if (!id) throw malformed(row, pos, `empty ${columns.id}`);
    const stamp = scanner.value(stampCol);
    if (!stamp || !TIMESTAMP.test(stamp)) throw malformed(row, pos, `${columns.modstamp} is not a timestamp`);
    if (i === deleted.length) {
      deleted = growBytes(deleted, i * 2);
      digests = Buffer.concat([digests, Buffer.alloc(digests.length)]);
    }
    ids.push(id);
    validFrom.push(stamp);
    deleted[i] = delCol >= 0 && scanner.value(delCol)?.toLowerCase() === 'true' ? 1 : 0;
    digestRow(digests, i, csv.subarray(pos, scanner.rowEnd), headerHash);
    starts.push(pos);
    ends.push(scanner.rowEnd);
    pos = scanner.next;
  }
  return {
    format: 'csv',
    header: header.line,
    count: i,
    ids,
    validFrom,
    deleted: deleted.subarray(0, i),
    digests: digests.subarray(0, i * DIGEST),
    payload: (k) => csv.subarray(starts[k], ends[k]),
  };
}

function growBytes(a: Uint8Array, size: number): Uint8Array {
  const b = new Uint8Array(size);
  b.set(a);
  return b;
}

/** JSON with object keys sorted at every level, so equal records give equal bytes. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function jsonBatch(records: readonly JsonRecord[]): Batch {
  const count = records.length;
  const payloads: Buffer[] = new Array(count);
  const deleted = new Uint8Array(count);
  const digests = Buffer.alloc(count * DIGEST);
  const ids: string[] = new Array(count);
  const validFrom: string[] = new Array(count);
  records.forEach((r, i) => {
    const bad = (why: string) => new OrgVaultError('MALFORMED_DATA', `Record ${i} ${why}`, { details: { index: i } });
    if (typeof r.id !== 'string' || r.id === '') throw bad('has no id');
    ids[i] = r.id;
    validFrom[i] = timeText(r.validFrom, () => bad('has no valid version time'));
    deleted[i] = r.deleted ? 1 : 0;
    payloads[i] = Buffer.from(canonicalJson(r.fields ?? {}), 'utf8');
    digestRow(digests, i, payloads[i]);
  });
  return { format: 'jsonl', count, ids, validFrom, deleted, digests, payload: (k) => payloads[k]! };
}

const EMPTY = Buffer.alloc(0);

export function tombstoneBatch(tombstones: readonly Tombstone[]): Batch {
  const count = tombstones.length;
  const digests = Buffer.alloc(count * DIGEST);
  const ids: string[] = new Array(count);
  const validFrom: string[] = new Array(count);
  tombstones.forEach((t, i) => {
    const bad = (why: string) => new OrgVaultError('MALFORMED_DATA', `Tombstone ${i} ${why}`, { details: { index: i } });
    if (typeof t.id !== 'string' || t.id === '') throw bad('has no id');
    ids[i] = t.id;
    validFrom[i] = timeText(t.deletedAt, () => bad('has no valid deletion time'));
    digestRow(digests, i, `tombstone\0${validFrom[i]}`);
  });
  return { format: 'tombstones', count, ids, validFrom, deleted: new Uint8Array(count).fill(1), digests, payload: () => EMPTY };
}
