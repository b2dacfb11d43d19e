import { type Pool, type PoolClient, type Queryable, withTransaction } from '../../infra/db.js';
import type { OrgKeys } from '../keys/keyring.js';
import { storeError } from '../db-errors.js';
import { indexMac, insertIndexMacs } from '../catalog/index-auth.js';
import {
  insertPack,
  lockObject,
  reservePackIds,
  storedMatches,
  type BatchVersion,
  type RowIndex,
  type StoredMatches,
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
  /**
   * What the new versions did to the records' latest states: live records that were absent (or
   * deleted), live records that were live, and live records now deleted. Versions older than a
   * record's latest stored one change nothing.
   */
  inserted: number;
  updated: number;
  removed: number;
  /** Uncompressed bytes of the packs written, and their bytes as stored (compressed, encrypted). */
  plainBytes: number;
  storedBytes: number;
}

/**
 * Work a caller commits with the batch: it runs in the batch's transaction once the packs are in,
 * so e.g. a count of what was stored can never lag behind or run ahead of the data it counts.
 */
export type WithBatch = (tx: Queryable, result: WriteResult) => Promise<void>;

const LF = Buffer.from('\n');
const SEAL_CONCURRENCY = 3;

/**
 * Stores a batch as packs with their row indexes in one transaction: either every new version
 * of the batch is stored, or none is (nothing stored before is touched either way).
 */
export async function writeBatch(
  pool: Pool,
  keys: OrgKeys,
  target: WriteTarget,
  batch: Batch,
  packBytes: number,
  withBatch?: WithBatch,
): Promise<WriteResult> {
  const result: WriteResult = {
    received: batch.count,
    stored: 0,
    skipped: 0,
    inserted: 0,
    updated: 0,
    removed: 0,
    packIds: [],
    plainBytes: 0,
    storedBytes: 0,
  };
  if (batch.count === 0) return result;
  // 8 bytes of the keyed digest: collisions only matter between versions of one record with one version time.
  const keyed = keys.keyDigests(batch.digests);
  const versions: BatchVersion[] = new Array(batch.count);
  for (let i = 0; i < batch.count; i++) {
    versions[i] = { id: batch.ids[i]!, validFrom: batch.validFrom[i]!, hash: keyed.readBigInt64BE(i * 16).toString() };
  }

  return withTransaction(pool, async (client) => {
    await lockObject(client, target.orgId, target.object);
    const keep = newVersions(batch, versions, await storedMatches(client, target.orgId, target.object, versions), result);
    result.stored = keep.length;
    result.skipped = batch.count - keep.length;
    if (keep.length > 0) await storePacks(client, keys, target, batch, versions, keep, packBytes, result);
    await withBatch?.(client, result);
    return result;
  }).catch((err: unknown) => {
    throw storeError(err, `Storing ${target.object} for org ${target.orgId}`);
  });
}

async function storePacks(
  client: PoolClient,
  keys: OrgKeys,
  target: WriteTarget,
  batch: Batch,
  versions: BatchVersion[],
  keep: number[],
  packBytes: number,
  result: WriteResult,
): Promise<void> {
  const groups = batch.format === 'tombstones' ? [keep] : splitBySize(batch, keep, packBytes);
  const ids = await reservePackIds(client, groups.length);
  // Packs compress off the main thread, a few at a time, so a 100 MB page never has all its
  // plaintext copies in memory at once; each is inserted with its row index once sealed, while
  // the next ones compress.
  const sealing = startLimited(groups, SEAL_CONCURRENCY, (rows, g) => buildPack(keys, target, batch, versions, rows, ids[g]!));
  const macs: Buffer[] = [];
  for (const pending of sealing) {
    const p = await pending;
    macs.push(indexMac(keys, p, await insertPack(client, p)));
    result.plainBytes += p.plainSize;
    result.storedBytes += p.data?.length ?? 0;
  }
  await insertIndexMacs(client, target.orgId, ids, macs);
  result.packIds = ids;
}

/**
 * Drops rows already stored (same record, version time and keyed hash) or repeated earlier in
 * this batch, and tombstones for records whose latest known state is already deleted; counts
 * what the kept versions change (see WriteResult).
 */
function newVersions(batch: Batch, versions: BatchVersion[], found: StoredMatches, counts: WriteResult): number[] {
  const seen = new Set<string>();
  const latest = new Map<string, { at: number; deleted: boolean }>();
  for (const v of found.latest) latest.set(v.record_id, { at: v.at_ms, deleted: v.deleted });
  const keep: number[] = [];
  for (let i = 0; i < batch.count; i++) {
    if (found.stored.has(i)) continue;
    const v = versions[i]!;
    const key = `${v.id}\0${v.validFrom}\0${v.hash}`;
    if (seen.has(key)) continue;
    const deleted = batch.format === 'tombstones' || batch.deleted[i] === 1;
    const at = Date.parse(v.validFrom);
    const cur = latest.get(v.id);
    if (batch.format === 'tombstones' && cur?.deleted && cur.at <= at) continue;
    if (!cur || cur.at <= at) {
      countChange(counts, cur, deleted);
      latest.set(v.id, { at, deleted });
    }
    seen.add(key);
    keep.push(i);
  }
  return keep;
}

function countChange(counts: WriteResult, before: { deleted: boolean } | undefined, deleted: boolean): void {
  const wasLive = before !== undefined && !before.deleted;
  if (deleted) counts.removed += wasLive ? 1 : 0;
  else if (wasLive) counts.updated++;
  else counts.inserted++;
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

async function buildPack(keys: OrgKeys, target: WriteTarget, batch: Batch, versions: BatchVersion[], rows: number[], id: string) {
  const base = {
    orgId: target.orgId,
    id,
    object: target.object,
    format: batch.format,
    rowCount: rows.length,
    source: target.source,
    jobId: target.jobId ?? null,
    rows: rowIndex(batch, versions, rows),
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

function rowIndex(batch: Batch, versions: BatchVersion[], rows: number[]): RowIndex {
  const index: RowIndex = { ids: [], validFrom: [], deleted: [], hashes: [] };
  for (const i of rows) {
    const v = versions[i]!;
    index.ids.push(v.id);
    index.validFrom.push(v.validFrom);
    index.deleted.push(batch.deleted[i] === 1 ? 't' : 'f');
    index.hashes.push(v.hash);
  }
  return index;
}

/** Starts fn on every item, at most `limit` at once; one promise per item, in order. */
function startLimited<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R>[] {
  let running = 0;
  const waiting: Array<() => void> = [];
  const out = items.map(async (item, i) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await fn(item, i);
    } finally {
      running--;
      waiting.shift()?.();
    }
  });
  // A failure surfaces where its promise is awaited; the ones after it are never awaited.
  for (const p of out) p.catch(() => undefined);
  return out;
}
