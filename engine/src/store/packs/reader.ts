import type { Pool, PoolClient } from '../../infra/db.js';
import type { Keyring } from '../keys/keyring.js';
import { integrityError } from '../keys/aead.js';
import { storeError } from '../db-errors.js';
import { LOAD_PACK } from '../sql.js';
import { RowScanner, malformed, readHeader } from './csv.js';
import { openPack, type PackIdentity } from './codec.js';
import { DIGEST, digestRow, headerDigest, type PackFormat } from './batch.js';

export type Fields = Record<string, unknown>;

/** A decrypted pack: its rows decoded on demand. */
export interface PackRows {
  readonly packId: string;
  readonly format: PackFormat;
  readonly rowCount: number;
  /** The fields of one row (CSV values are strings, or null for an empty field). */
  fields(rowNo: number): Fields;
  /** Every row's digest, as computed when it was written (what its keyed hash in the row index is made from). */
  digests(): Buffer;
  /** A row's bytes as stored (no line ending), and a CSV pack's header line: what a rewritten pack is built from. */
  raw(rowNo: number): Buffer;
  readonly header: Buffer | null;
}

interface PackRecord {
  object: string;
  format: PackFormat;
  codec: string;
  row_count: number;
  plain_hash: Buffer | null;
  cipher_hash: Buffer | null;
  data: Buffer | null;
}

/** Loads, verifies and decrypts one pack; INTEGRITY_ERROR if it is missing or damaged. */
export async function loadPack(db: Pool | PoolClient, keyring: Keyring, orgId: string, packId: string): Promise<PackRows> {
  let rec: PackRecord | undefined;
  try {
    ({
      rows: [rec],
    } = await db.query<PackRecord>(LOAD_PACK, [orgId, packId]));
  } catch (err) {
    throw storeError(err, `Reading pack ${packId}`);
  }
  if (!rec) throw integrityError(`Pack ${packId}`, 'it is missing');
  const id: PackIdentity = { orgId, packId, object: rec.object, format: rec.format, rowCount: rec.row_count };
  if (rec.format === 'tombstones') {
    // A tombstone's digest is of its deletion time as it was given, which the index keeps only as a time.
    const none = Buffer.alloc(0);
    return { packId, format: rec.format, rowCount: rec.row_count, fields: () => ({}), digests: () => none, raw: () => none, header: null };
  }
  if (!rec.data || !rec.plain_hash || !rec.cipher_hash) throw integrityError(`Pack ${packId}`, 'its data is missing');
  const plain = await openPack(await keyring.forOrg(orgId), id, {
    codec: rec.codec,
    data: rec.data,
    plainHash: rec.plain_hash,
    cipherHash: rec.cipher_hash,
  });
  return rec.format === 'csv' ? csvPackRows(packId, plain, rec.row_count) : jsonlPackRows(packId, plain, rec.row_count);
}

function checkRow(packId: string, rowNo: number, rowCount: number): void {
  if (!Number.isInteger(rowNo) || rowNo < 0 || rowNo >= rowCount) throw integrityError(`Pack ${packId}`, `it has no row ${rowNo}`);
}

function csvPackRows(packId: string, plain: Buffer, rowCount: number): PackRows {
  const header = readHeader(plain);
  const scanner = new RowScanner(plain, header.columns.length);
  const starts = new Int32Array(rowCount);
  const ends = new Int32Array(rowCount);
  let pos = header.bodyStart;
  let n = 0;
  for (; scanner.scan(pos, n + 1); n++) {
    if (n >= rowCount) throw integrityError(`Pack ${packId}`, 'it holds more rows than recorded');
    starts[n] = pos;
    ends[n] = scanner.rowEnd;
    pos = scanner.next;
  }
  if (n !== rowCount) throw integrityError(`Pack ${packId}`, 'it holds fewer rows than recorded');
  return {
    packId,
    format: 'csv',
    rowCount,
    header: header.line,
    raw: (rowNo) => {
      checkRow(packId, rowNo, rowCount);
      return plain.subarray(starts[rowNo], ends[rowNo]);
    },
    fields: (rowNo) => {
      checkRow(packId, rowNo, rowCount);
      scanner.scan(starts[rowNo]!, rowNo + 1);
      if (scanner.count !== header.columns.length) throw malformed(rowNo + 1, starts[rowNo]!, 'field count');
      const rec: Fields = {};
      for (let f = 0; f < scanner.count; f++) rec[header.columns[f]!] = scanner.value(f);
      return rec;
    },
    digests: () => {
      const out = Buffer.alloc(rowCount * DIGEST);
      const xor = headerDigest(header.line);
      for (let i = 0; i < rowCount; i++) digestRow(out, i, plain.subarray(starts[i], ends[i]), xor);
      return out;
    },
  };
}

function jsonlPackRows(packId: string, plain: Buffer, rowCount: number): PackRows {
  const starts = new Int32Array(rowCount + 1);
  let pos = 0;
  for (let i = 0; i < rowCount; i++) {
    starts[i] = pos;
    const nl = plain.indexOf(0x0a, pos);
    if (nl < 0) throw integrityError(`Pack ${packId}`, 'it holds fewer rows than recorded');
    pos = nl + 1;
  }
  starts[rowCount] = pos;
  return {
    packId,
    format: 'jsonl',
    rowCount,
    header: null,
    raw: (rowNo) => {
      checkRow(packId, rowNo, rowCount);
      return plain.subarray(starts[rowNo], starts[rowNo + 1]! - 1);
    },
    fields: (rowNo) => {
      checkRow(packId, rowNo, rowCount);
      return JSON.parse(plain.toString('utf8', starts[rowNo], starts[rowNo + 1]! - 1)) as Fields;
    },
    digests: () => {
      const out = Buffer.alloc(rowCount * DIGEST);
      for (let i = 0; i < rowCount; i++) digestRow(out, i, plain.subarray(starts[i], starts[i + 1]! - 1));
      return out;
    },
  };
}
