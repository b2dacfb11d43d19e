import type { Pool } from '../../infra/db.js';
import type { OrgKeys } from '../keys/keyring.js';
import { storeTransaction } from '../db-errors.js';
import {
  copyVersions,
  existingVersions,
  insertPack,
  lockObject,
  reservePackIds,
  type ExistingVersion,
  type VersionLine,
} from '../catalog/versions.js';
import { PACK_CODEC, sealPack } from './codec.js';
import type { Batch } from './batch.js';

/** Who wrote a batch, and where it goes. */
export interface WriteTarget {
  orgId: string;
  object: string;
  /** What produced the data, e.g. 'bulk', 'rest', 'cdc', 'reconcile'. */
  source: string;
  jobId?: string;
}

export interface WriteResult {
  /** Rows handed in. */
  received: number;
  /** New versions stored. */
  stored: number;
  /** Rows skipped because the same version of the record was already stored (or repeated in the batch). */
  skipped: number;
  packIds: string[];
  /** Uncompressed bytes of the packs written, and their bytes as stored (compressed, encrypted). */
  plainBytes: number;
  storedBytes: number;
}

const LF = Buffer.from('\n');
const SEAL_CONCURRENCY = 3;
const HASH_HEX = 16; // 8 bytes of the keyed digest: collisions only matter between versions of one record

/**
 * Stores a batch as packs plus catalog rows in one transaction: either every new version of the
 * batch is stored, or none is (nothing stored before is touched either way).
 */
export async function writeBatch(pool: Pool, keys: OrgKeys, target: WriteTarget, batch: Batch, packBytes: number): Promise<WriteResult> {
  const result: WriteResult = { received: batch.count, stored: 0, skipped: 0, packIds: [], plainBytes: 0, storedBytes: 0 };
  if (batch.count === 0) return result;
  const keyed = keys.keyDigests(batch.digests).toString('hex');
  const hashes: string[] = new Array(batch.count);
  for (let i = 0; i < batch.count; i++) hashes[i] = keyed.slice(i * 32, i * 32 + HASH_HEX);

  return storeTransaction(pool, `Storing ${target.object} for org ${target.orgId}`, async (client) => {
    await lockObject(client, target.orgId, target.object);
    const existing = await existingVersions(client, target.orgId, target.object, new Set(batch.ids), batch.format === 'tombstones');
    const keep = newVersions(batch, hashes, existing);
    result.stored = keep.length;
    result.skipped = batch.count - keep.length;
    if (keep.length === 0) return result;
    const groups = batch.format === 'tombstones' ? [keep] : splitBySize(batch, keep, packBytes);
    const ids = await reservePackIds(client, groups.length);
    // Packs compress off the main thread while PostgreSQL takes the catalog rows; a few at a
    // time, so a 100 MB page never has all its plaintext copies in memory at once.
    const sealing = mapLimit(groups, SEAL_CONCURRENCY, (rows, g) => buildPack(keys, target, batch, rows, ids[g]!));
    sealing.catch(() => undefined);
    await copyVersions(client, target.orgId, target.object, versionLines(batch, hashes, groups, ids));
    for (const p of await sealing) {
      await insertPack(client, p);
      result.plainBytes += p.plainSize;
      result.storedBytes += p.data?.length ?? 0;
    }
    result.packIds = ids;
    return result;
  });
}

/**
 * Drops rows whose record already has a version with the same keyed hash (stored, or earlier in
 * this batch), and tombstones for records whose latest known state is already deleted.
 */
function newVersions(batch: Batch, hashes: string[], existing: ExistingVersion[]): number[] {
  // Per record, the hashes it already has, comma-joined (hashes are fixed-width hex, so a
  // substring match is an exact match): cheaper than a set of id+hash strings.
  const seen = new Map<string, string>();
  const add = (id: string, hash: string): void => {
    const cur = seen.get(id);
    seen.set(id, cur === undefined ? hash : `${cur},${hash}`);
  };
  for (const v of existing) add(v.record_id, v.hash);
  const latest = new Map<string, { at: number; deleted: boolean }>();
  if (batch.format === 'tombstones') {
    for (const v of existing) {
      const at = v.valid_from!.getTime();
      const cur = latest.get(v.record_id);
      if (!cur || at >= cur.at) latest.set(v.record_id, { at, deleted: v.deleted === true });
    }
  }
  const keep: number[] = [];
  for (let i = 0; i < batch.count; i++) {
    const id = batch.ids[i]!;
    const hash = hashes[i]!;
    if (seen.get(id)?.includes(hash)) continue;
    if (batch.format === 'tombstones') {
      const at = Date.parse(batch.validFrom[i]!);
      const cur = latest.get(id);
      if (cur?.deleted && cur.at <= at) continue;
      latest.set(id, { at, deleted: true });
    }
    add(id, hash);
    keep.push(i);
  }
  return keep;
}

function splitBySize(batch: Batch, keep: number[], packBytes: number): number[][] {
  const groups: number[][] = [];
  let current: number[] = [];
  let size = 0;
  for (const i of keep) {
    current.push(i);
    size += batch.payload(i).length + 1;
    if (size >= packBytes) {
      groups.push(current);
      current = [];
      size = 0;
    }
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

async function buildPack(keys: OrgKeys, target: WriteTarget, batch: Batch, rows: number[], id: string) {
  const base = {
    orgId: target.orgId,
    id,
    object: target.object,
    format: batch.format,
    rowCount: rows.length,
    source: target.source,
    jobId: target.jobId ?? null,
  };
  if (batch.format === 'tombstones') return { ...base, codec: 'none', plainSize: 0, plainHash: null, cipherHash: null, data: null };
  const parts: Buffer[] = batch.header ? [batch.header, LF] : [];
  for (const i of rows) parts.push(batch.payload(i), LF);
  const plain = Buffer.concat(parts);
  const sealed = await sealPack(
    keys,
    { orgId: target.orgId, packId: id, object: target.object, format: batch.format, rowCount: rows.length },
    plain,
  );
  return { ...base, codec: PACK_CODEC, plainSize: plain.length, ...sealed };
}

function* versionLines(batch: Batch, hashes: string[], groups: number[][], ids: string[]): Generator<VersionLine> {
  for (let g = 0; g < groups.length; g++) {
    const rows = groups[g]!;
    for (let r = 0; r < rows.length; r++) {
      const i = rows[r]!;
      yield {
        id: batch.ids[i]!,
        validFrom: batch.validFrom[i]!,
        deleted: batch.deleted[i] === 1,
        hash: hashes[i]!,
        packId: ids[g]!,
        rowNo: r,
      };
    }
  }
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
