/**
 * The store's side of an erasure: retention/ says which records go; these find where their
 * versions and files are and remove them with prune's machinery (rewritePack, deleteFileRefs and
 * the queued deletion of bytes), so an erasure killed at any point leaves a store as a killed
 * prune does and is finished by running it again.
 */
import type { ContainerClient } from '@azure/storage-blob';
import type { Pool } from '../../infra/db.js';
import type { Keyring } from '../keys/keyring.js';
import { storeError } from '../db-errors.js';
import { cursorBatches } from '../catalog/cursor.js';
import { verifyIndexes } from '../catalog/index-auth.js';
import { loadPack, type Fields } from '../packs/reader.js';
import { ERASE_REFS, ERASE_SCAN_PACKS, ERASE_SOLE_FILES, eraseVersionsSql } from '../sql.js';
import { forgetFiles, type FileRefEntry } from './prune.js';

/** One data pack of an object, opened: its rows' record ids and their fields on demand. */
export interface ScannedPack {
  packId: string;
  recordIds: readonly string[];
  fields(rowNo: number): Fields;
}

/** Every data pack of an object in id order, one open at a time (the row indexes verified first). */
export async function* scanPacks(pool: Pool, keyring: Keyring, orgId: string, object: string): AsyncGenerator<ScannedPack> {
  const keys = await keyring.forOrg(orgId);
  const verify = async (db: Parameters<typeof verifyIndexes>[0]) => verifyIndexes(db, keys, object, { all: true });
  type Row = { id: string; format: string; row_record_ids: string[] };
  for await (const { rows, client } of cursorBatches<Row>(pool, ERASE_SCAN_PACKS, [orgId, object], 50, verify)) {
    for (const p of rows) {
      if (p.format === 'tombstones') continue;
      const pack = await loadPack(client, keyring, orgId, p.id);
      yield { packId: p.id, recordIds: p.row_record_ids, fields: (rowNo) => pack.fields(rowNo) };
    }
  }
}

/** Where the versions of some records are: per pack their rows, and which of the records have any. */
export interface RecordRows {
  rows: Map<string, number[]>;
  records: Set<string>;
}

/** Per pack, the rows that hold versions of these records of the object. */
export async function rowsOf(pool: Pool, keyring: Keyring, orgId: string, object: string, ids: readonly string[]): Promise<RecordRows> {
  const out = new Map<string, number[]>();
  const records = new Set<string>();
  if (ids.length === 0) return { rows: out, records };
  await verifyIndexes(pool, await keyring.forOrg(orgId), object, { ids });
  const { rows } = await pool
    .query<{ record_id: string; pack_id: string; row_no: number }>(eraseVersionsSql(ids.length), [orgId, object, ids])
    .catch((err: unknown) => {
      throw storeError(err, 'Finding the versions to erase');
    });
  for (const r of rows) {
    records.add(r.record_id);
    const list = out.get(r.pack_id);
    if (list) list.push(r.row_no);
    else out.set(r.pack_id, [r.row_no]);
  }
  return { rows: out, records };
}

/** The file references of these records of the object. */
export async function refsOf(pool: Pool, orgId: string, object: string, ids: readonly string[]): Promise<FileRefEntry[]> {
  type Row = { object: string; record_id: string; field: string; ms: number; at: string; content_hash: string };
  const { rows } = await pool.query<Row>(ERASE_REFS, [orgId, object, ids]).catch((err: unknown) => {
    throw storeError(err, 'Finding the files to erase');
  });
  return rows.map((r) => ({ object: r.object, recordId: r.record_id, field: r.field, ms: r.ms, at: r.at, contentHash: r.content_hash }));
}

/** Of these contents (hex), the ones only these records (object and id pairs) refer to. */
export async function soleFiles(
  pool: Pool,
  orgId: string,
  hashes: readonly string[],
  records: ReadonlyArray<{ object: string; recordId: string }>,
): Promise<string[]> {
  if (hashes.length === 0) return [];
  const params = [orgId, hashes, records.map((r) => r.object), records.map((r) => r.recordId)];
  const { rows } = await pool.query<{ content_hash: string }>(ERASE_SOLE_FILES, params).catch((err: unknown) => {
    throw storeError(err, 'Finding the files to erase');
  });
  return rows.map((r) => r.content_hash);
}

/**
 * Deletes these files now if nothing refers to them any more (no safety delay: an erasure must
 * not wait for one), each under its content's lock as prune's collection does, then their bytes.
 */
export async function eraseFiles(
  pool: Pool,
  container: ContainerClient,
  orgId: string,
  hashes: readonly string[],
): Promise<{ files: number; bytes: number }> {
  return forgetFiles(pool, container, orgId, hashes);
}

/** What an erasure asks of the store (Store.erasure): find, then remove with prune's machinery (Store.prunePack, deleteFileRefs). */
export class StoreErasure {
  constructor(private readonly deps: { pool: Pool; container: ContainerClient; keyring: Keyring }) {}

  /** Every data pack of an object in id order, opened one at a time: where values are looked for. */
  scanPacks(orgId: string, object: string): AsyncGenerator<ScannedPack> {
    return scanPacks(this.deps.pool, this.deps.keyring, orgId, object);
  }

  /** Per pack, the rows holding versions of these records of the object. */
  rowsOf(orgId: string, object: string, ids: readonly string[]): Promise<RecordRows> {
    return rowsOf(this.deps.pool, this.deps.keyring, orgId, object, ids);
  }

  refsOf(orgId: string, object: string, ids: readonly string[]): Promise<FileRefEntry[]> {
    return refsOf(this.deps.pool, orgId, object, ids);
  }

  soleFiles(orgId: string, hashes: readonly string[], records: ReadonlyArray<{ object: string; recordId: string }>): Promise<string[]> {
    return soleFiles(this.deps.pool, orgId, hashes, records);
  }

  eraseFiles(orgId: string, hashes: readonly string[]): Promise<{ files: number; bytes: number }> {
    return eraseFiles(this.deps.pool, this.deps.container, orgId, hashes);
  }

  /** The org's keyed hash for the erasure ledger (HMAC-SHA256 under a key of its own). */
  async mac(orgId: string): Promise<(data: string) => Buffer> {
    const keys = await this.deps.keyring.forOrg(orgId);
    return (data) => keys.erasureMac(data);
  }
}

/** Whether a stored record is withheld from reads (an erased one, by the erasure ledger). */
export type WithheldTest = (object: string, record: { id: string; fields: Fields }) => boolean;
/** Per org, its test, or null when nothing of it is withheld (reads then cost nothing more). */
export type Withheld = (orgId: string) => Promise<WithheldTest | null>;

/** A read of an object's records: with `onWithheld`, told each record the ledger keeps out. */
export interface WithheldRead {
  onWithheld?: ((id: string) => void) | undefined;
}
