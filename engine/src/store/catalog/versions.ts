import type { PoolClient } from '../../infra/db.js';
import { arrayLiteral, copyLines, copyText } from './copy.js';
import {
  ANALYZE_BATCH_TABLE,
  ANY_PACK,
  ANY_PACK_IN_RANGE,
  CREATE_BATCH_TABLE,
  FEW_IDS,
  INSERT_PACK,
  LOCK_OBJECT,
  RESERVE_PACK_IDS,
  STORED_SQL,
  latestSql,
} from '../sql.js';

/**
 * The catalog's writes and the dedup lookup. The catalog lives in the packs: each pack row
 * carries its row index as arrays (record id, version time, deleted flag, keyed hash per row,
 * migration 0101) plus their bounds, so a version costs a few compressed bytes instead of a table
 * row and an index entry. The statements are in ../sql.ts. Callers own transactions.
 */

/** A batch row as the dedup lookup needs it. */
export interface BatchVersion {
  id: string;
  /** ISO-8601 text, passed to PostgreSQL as is. */
  validFrom: string;
  /** Keyed hash: the first 8 bytes as a signed 64-bit integer, in decimal. */
  hash: string;
}

/** A record's latest known state. */
export interface LatestState {
  record_id: string;
  at_ms: number;
  deleted: boolean;
}

export interface StoredMatches {
  /** Indexes of batch rows already stored: same record, version time and keyed hash. */
  stored: Set<number>;
  /** Per record of the batch's new versions that has versions stored, its latest one. */
  latest: LatestState[];
}

/**
 * Which rows of a batch are already stored, in one round trip per batch: the batch goes in by
 * COPY to a temporary table (a 200,000-element array parameter costs more to build and parse
 * than the lookup itself) and is joined with the rows of the packs whose id and time bounds
 * overlap it. A version is the same when record, version time and keyed hash are. The records of
 * the new versions then get their latest stored state (tombstones skip records already deleted;
 * the writer tells inserts from updates and deletions). An object with no packs yet (a first full
 * backup) costs one probe.
 */
export async function storedMatches(
  client: PoolClient,
  orgId: string,
  object: string,
  batch: readonly BatchVersion[],
): Promise<StoredMatches> {
  const out: StoredMatches = { stored: new Set(), latest: [] };
  const range = idRange(batch);
  const { rowCount } = await client.query(
    range ? ANY_PACK_IN_RANGE : ANY_PACK,
    range ? [orgId, object, range[0], range[1]] : [orgId, object],
  );
  if (rowCount === 0) return out;
  await client.query(CREATE_BATCH_TABLE);
  await copyLines(
    client,
    'store_batch',
    ['n', 'record_id', 'valid_from', 'hash'],
    (function* () {
      for (let i = 0; i < batch.length; i++) {
        const v = batch[i]!;
        yield `${i}\t${copyText(v.id)}\t${copyText(v.validFrom)}\t${v.hash}\n`;
      }
    })(),
  );
  await client.query(ANALYZE_BATCH_TABLE);
  const { rows } = await client.query<{ n: number }>(STORED_SQL, [orgId, object]);
  for (const r of rows) out.stored.add(r.n);
  const fresh = batch.length - out.stored.size;
  if (fresh > 0) out.latest = (await client.query<LatestState>(latestSql(fresh <= FEW_IDS), [orgId, object])).rows;
  return out;
}

/**
 * The batch's smallest and largest id in bytewise order, when JavaScript's order is the same (no
 * character at or above U+D800, where UTF-16 and UTF-8 orders part): one probe then tells whether
 * any pack can hold a batch record, e.g. none for each new page of a full backup in id order.
 */
function idRange(batch: readonly BatchVersion[]): [string, string] | undefined {
  let lo = batch[0]!.id;
  let hi = lo;
  for (const { id } of batch) {
    if (id < lo) lo = id;
    else if (id > hi) hi = id;
  }
  return /[\uD800-\uFFFF]/.test(lo + hi) ? undefined : [lo, hi];
}

/** Serialises writers of one org's object, so a version cannot slip in twice between lookup and write. */
export async function lockObject(client: PoolClient, orgId: string, object: string): Promise<void> {
  await client.query(LOCK_OBJECT, [orgId, object]);
}

/** Pack ids are known before sealing, so each pack's ciphertext can be bound to its id. */
export async function reservePackIds(client: PoolClient, n: number): Promise<string[]> {
  const { rows } = await client.query<{ id: string }>(RESERVE_PACK_IDS, [n]);
  return rows.map((r) => r.id);
}

/** Row n of the arrays describes row n of the pack. */
export interface RowIndex {
  ids: string[];
  validFrom: string[];
  /** 't' or 'f'. */
  deleted: string[];
  hashes: string[];
}

export interface PackRow {
  orgId: string;
  id: string;
  object: string;
  format: string;
  codec: string;
  rowCount: number;
  plainSize: number;
  plainHash: Buffer | null;
  cipherHash: Buffer | null;
  data: Buffer | null;
  source: string;
  jobId: string | null;
  rows: RowIndex;
}

/** One pack with its row index; returns the digest of the index as PostgreSQL stored it. */
export async function insertPack(client: PoolClient, p: PackRow): Promise<Buffer> {
  const { rows } = await client.query<{ digest: Buffer }>(INSERT_PACK, [
    p.orgId,
    p.id,
    p.object,
    p.format,
    p.codec,
    p.rowCount,
    p.plainSize,
    p.plainHash,
    p.cipherHash,
    p.data,
    p.source,
    p.jobId,
    arrayLiteral(p.rows.ids, true),
    arrayLiteral(p.rows.validFrom, true),
    arrayLiteral(p.rows.deleted, false),
    arrayLiteral(p.rows.hashes, false),
  ]);
  return rows[0]!.digest;
}
