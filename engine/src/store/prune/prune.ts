/**
 * The store's side of prune: it removes exactly the versions and file references retention/
 * names, never decides which. Every step is one transaction that leaves a store `check
 * --read-data 100` passes and reads that are exact, so a prune killed at any point is simply
 * run again (restic's order: the new pack is written, then the index moves to it, then the old
 * pack goes — here the three commit together, the catalog being in the same database).
 */
import type { ContainerClient } from '@azure/storage-blob';
import { type Pool, withTransaction } from '../../infra/db.js';
import type { Keyring } from '../keys/keyring.js';
import { storeError } from '../db-errors.js';
import { cursorBatches } from '../catalog/cursor.js';
import { indexMac, insertIndexMacs, verifyIndexes } from '../catalog/index-auth.js';
import { lockObject, reservePackIds } from '../catalog/versions.js';
import { loadPack } from '../packs/reader.js';
import { PACK_CODEC, sealPack } from '../packs/codec.js';
import type { PackFormat } from '../packs/batch.js';
import { blobName, storageError } from '../blobs/blob-store.js';
import {
  BLOB_RECORDED,
  DELETE_PACK,
  DELETE_REFS,
  DROP_DELETION,
  DROP_MARK,
  DUE_UNREFERENCED,
  FORGET_UNREFERENCED,
  INSERT_PRUNED_PACK,
  LOCK_BLOB,
  MARK_UNREFERENCED,
  PACK_SHAPE,
  PRUNE_REFS,
  PRUNE_VERSIONS,
  QUEUED_DELETIONS,
  UNMARK_REFERENCED,
} from '../sql.js';

/** One stored version as prune sees it: where it is and when it began (epoch ms). */
export interface VersionEntry {
  recordId: string;
  ms: number;
  packId: string;
  rowNo: number;
}

/** One file reference: a record field held this content from this time. */
export interface FileRefEntry {
  object: string;
  recordId: string;
  field: string;
  ms: number;
  /** The exact stored time (microseconds), which deleting the reference matches. */
  at: string;
  contentHash: string;
}

export interface PackPruned {
  /** rewritten without the rows, deleted whole, or already gone (a run cut short after its commit). */
  outcome: 'rewritten' | 'deleted' | 'gone';
  removed: number;
  /** Stored bytes of the old pack, and of its replacement (0 when it went whole). */
  bytesBefore: number;
  bytesAfter: number;
}

const LF = Buffer.from('\n');

/**
 * An object's versions per record, oldest first (ties as reads break them), streamed. The row
 * indexes are verified first: a prune must not act on an index that is not the one written.
 */
export async function* versionEntries(pool: Pool, keyring: Keyring, orgId: string, object: string): AsyncGenerator<VersionEntry[]> {
  const keys = await keyring.forOrg(orgId);
  const verify = async (db: Parameters<typeof verifyIndexes>[0]) => verifyIndexes(db, keys, object, { all: true });
  type Row = { record_id: string; ms: number; pack_id: string; row_no: number };
  for await (const { rows } of cursorBatches<Row>(pool, PRUNE_VERSIONS, [orgId, object], 20_000, verify))
    yield rows.map((r) => ({ recordId: r.record_id, ms: r.ms, packId: r.pack_id, rowNo: r.row_no }));
}

/**
 * Replaces a pack by one without the rows `drop` (row numbers): written, indexed and MAC'd, and
 * the old pack deleted, in one transaction under the object's writer lock. With nothing left the
 * pack just goes. A pack already gone (a run cut short after its commit) is left alone.
 */
export async function rewritePack(
  pool: Pool,
  keyring: Keyring,
  target: { orgId: string; object: string; packId: string },
  drop: readonly number[],
): Promise<PackPruned> {
  const { orgId, object, packId } = target;
  const keys = await keyring.forOrg(orgId);
  return withTransaction(pool, async (client): Promise<PackPruned> => {
    await lockObject(client, orgId, object);
    const shape = (await client.query<{ format: PackFormat; row_count: number; bytes: number }>(PACK_SHAPE, [orgId, packId])).rows[0];
    if (!shape) return { outcome: 'gone', removed: 0, bytesBefore: 0, bytesAfter: 0 };
    const dropped = new Set(drop);
    const keep: number[] = [];
    for (let row = 0; row < shape.row_count; row++) if (!dropped.has(row)) keep.push(row);
    const removed = shape.row_count - keep.length;
    if (keep.length === 0) {
      await client.query(DELETE_PACK, [orgId, packId]);
      return { outcome: 'deleted', removed, bytesBefore: shape.bytes, bytesAfter: 0 };
    }
    const [newId] = (await reservePackIds(client, 1)) as [string];
    let sealed: { codec: string; plainSize: number; plainHash: Buffer | null; cipherHash: Buffer | null; data: Buffer | null } = {
      codec: 'none',
      plainSize: 0,
      plainHash: null,
      cipherHash: null,
      data: null,
    };
    if (shape.format !== 'tombstones') {
      const old = await loadPack(client, keyring, orgId, packId);
      const parts: Buffer[] = old.header ? [old.header, LF] : [];
      for (const row of keep) parts.push(old.raw(row), LF);
      const plain = Buffer.concat(parts);
      const id = { orgId, packId: newId, object, format: shape.format, rowCount: keep.length };
      sealed = { codec: PACK_CODEC, plainSize: plain.length, ...(await sealPack(keys, id, plain)) };
    }
    const { rows } = await client.query<{ digest: Buffer }>(INSERT_PRUNED_PACK, [
      orgId,
      packId,
      newId,
      keep,
      sealed.codec,
      sealed.plainSize,
      sealed.plainHash,
      sealed.cipherHash,
      sealed.data,
    ]);
    const p = { orgId, id: newId, object, format: shape.format, rowCount: keep.length, plainHash: sealed.plainHash };
    await insertIndexMacs(client, orgId, [newId], [indexMac(keys, p, rows[0]!.digest)]);
    await client.query(DELETE_PACK, [orgId, packId]);
    return { outcome: 'rewritten', removed, bytesBefore: shape.bytes, bytesAfter: sealed.data?.length ?? 0 };
  }).catch((err: unknown) => {
    throw storeError(err, `Pruning pack ${packId} of ${object}`);
  });
}

/** The org's file references per record field, oldest first, streamed. */
export async function* fileRefEntries(pool: Pool, orgId: string): AsyncGenerator<FileRefEntry[]> {
  type Row = { object: string; record_id: string; field: string; ms: number; at: string; content_hash: string };
  for await (const { rows } of cursorBatches<Row>(pool, PRUNE_REFS, [orgId], 20_000))
    yield rows.map((r) => ({ object: r.object, recordId: r.record_id, field: r.field, ms: r.ms, at: r.at, contentHash: r.content_hash }));
}

export async function deleteFileRefs(pool: Pool, orgId: string, refs: readonly FileRefEntry[]): Promise<void> {
  if (refs.length === 0) return;
  const cols = [refs.map((r) => r.object), refs.map((r) => r.recordId), refs.map((r) => r.field), refs.map((r) => r.at)];
  await pool.query(DELETE_REFS, [orgId, ...cols, refs.map((r) => r.contentHash)]).catch((err: unknown) => {
    throw storeError(err, 'Pruning file references');
  });
}

/**
 * Deletes the org's files nothing has referred to for `delaySeconds` (noting the newly
 * unreferenced ones from now), each under its content's lock so a backup recording the same
 * content waits and then stores it afresh; then deletes the bytes of every forgotten file.
 */
export async function collectFiles(
  pool: Pool,
  container: ContainerClient,
  orgId: string,
  delaySeconds: number,
): Promise<{ files: number; bytes: number }> {
  await pool.query(UNMARK_REFERENCED, [orgId]);
  await pool.query(MARK_UNREFERENCED, [orgId]);
  const due = (await pool.query<{ content_hash: string }>(DUE_UNREFERENCED, [orgId, delaySeconds])).rows;
  return forgetFiles(
    pool,
    container,
    orgId,
    due.map((r) => r.content_hash),
  );
}

/**
 * Forgets each of these files that nothing refers to, under its content's lock so a backup
 * recording the same content waits and then stores it afresh; then deletes the forgotten bytes.
 */
export async function forgetFiles(
  pool: Pool,
  container: ContainerClient,
  orgId: string,
  hashes: readonly string[],
): Promise<{ files: number; bytes: number }> {
  const out = { files: 0, bytes: 0 };
  for (const hex of hashes) {
    await withTransaction(pool, async (client) => {
      await client.query(LOCK_BLOB, [orgId, hex]);
      const gone = (await client.query<{ bytes: number }>(FORGET_UNREFERENCED, [orgId, Buffer.from(hex, 'hex')])).rows[0];
      await client.query(DROP_MARK, [orgId, Buffer.from(hex, 'hex')]);
      if (gone) {
        out.files++;
        out.bytes += gone.bytes;
      }
    });
  }
  await deleteQueuedBytes(pool, container, orgId);
  return out;
}

/** The bytes of forgotten files, unless the content was recorded again since (under its lock). */
export async function deleteQueuedBytes(pool: Pool, container: ContainerClient, orgId: string): Promise<void> {
  for (const { content_hash: hex } of (await pool.query<{ content_hash: string }>(QUEUED_DELETIONS, [orgId])).rows) {
    await withTransaction(pool, async (client) => {
      await client.query(LOCK_BLOB, [orgId, hex]);
      const recorded = await client.query(BLOB_RECORDED, [orgId, Buffer.from(hex, 'hex')]);
      if (recorded.rowCount === 0)
        await container
          .getBlockBlobClient(blobName(orgId, hex))
          .deleteIfExists()
          .catch((err: unknown) => {
            throw storageError(err, 'Deleting a pruned file');
          });
      await client.query(DROP_DELETION, [orgId, Buffer.from(hex, 'hex')]);
    });
  }
}
