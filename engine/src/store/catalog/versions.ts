import type { PoolClient } from '../../infra/db.js';
import { arrayLiteral, copyLines, copyText } from './copy.js';
import { INSERT_PACK } from '../sql.js';

/**
 * The catalog's SQL. The catalog lives in the packs: each pack row carries its row index as
 * arrays (record id, version time, deleted flag, keyed hash per row, migration 0101) plus their
 * bounds, so a version costs a few compressed bytes instead of a table row and an index entry.
 * Queries unnest only the packs whose bounds can hold what they look for. Callers own
 * transactions.
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
  /** Per record of the batch that has versions, its latest one (only when asked for). */
  latest: LatestState[];
}

/** The rows of the packs of (org $1, object $2) that pass `where` (over p, with v's columns named, and `from`). */
const unnested = (columns: string, where: string, from = '') => `SELECT ${columns}
  FROM ${from}packs p CROSS JOIN LATERAL unnest(p.row_record_ids, p.row_valid_from, p.row_deleted, p.row_hash)
       WITH ORDINALITY AS v(record_id, valid_from, deleted, hash, n)
 WHERE p.org_id = $1 AND p.object = $2${where}`;

/** Up to this many ids, packs are matched per id; beyond, by the ids' overall range. */
const FEW_IDS = 1000;

/**
 * Packs whose id range can hold one of the ids that `ids` (SQL: a set of rows of column x)
 * yields: per id when there are few (a handful of ids scattered over an object whose full backup
 * packs each cover one id range skip most packs), else by the ids' overall range, which costs
 * nothing per pack. Comparisons are bytewise, like the bounds.
 */
const packsHolding = (ids: string, few: boolean): string =>
  few
    ? ` AND EXISTS (SELECT 1 FROM ${ids} WHERE x >= p.min_record_id AND x <= p.max_record_id)`
    : ` AND p.max_record_id >= (SELECT min(x COLLATE "C") FROM ${ids}) AND p.min_record_id <= (SELECT max(x COLLATE "C") FROM ${ids})`;

const BATCH_IDS = '(SELECT record_id AS x FROM store_batch) ids';

// The batch's bounds come from one pass over it, and the candidate rows are gathered first
// (MATERIALIZED) so the batch is scanned once against all of them: left to itself the planner,
// which cannot know how many rows a pack unnests, joins the whole batch again per pack.
const STORED_SQL = `WITH bounds AS (SELECT min(record_id) AS lo_id, max(record_id) AS hi_id, min(valid_from) AS lo_t, max(valid_from) AS hi_t
                  FROM store_batch),
v AS MATERIALIZED (${unnested(
  'v.record_id, v.valid_from, v.hash',
  ` AND p.max_record_id >= bounds.lo_id AND p.min_record_id <= bounds.hi_id
   AND p.max_valid_from >= bounds.lo_t AND p.min_valid_from <= bounds.hi_t`,
  'bounds, ',
)})
SELECT b.n FROM store_batch b JOIN v ON v.record_id = b.record_id AND v.valid_from = b.valid_from AND v.hash = b.hash`;

const latestSql = (
  few: boolean,
) => `SELECT DISTINCT ON (v.record_id) v.record_id, (extract(epoch FROM v.valid_from) * 1000)::float8 AS at_ms, v.deleted
  FROM (${unnested('v.record_id, v.valid_from, v.deleted, p.id AS pack_id, v.n', packsHolding(BATCH_IDS, few))}) v
 WHERE v.record_id IN (SELECT record_id FROM store_batch)
 ORDER BY v.record_id, v.valid_from DESC, v.pack_id DESC, v.n DESC`;

/**
 * Which rows of a batch are already stored, in one round trip per batch: the batch goes in by
 * COPY to a temporary table (a 200,000-element array parameter costs more to build and parse
 * than the lookup itself) and is joined with the rows of the packs whose id and time bounds
 * overlap it. A version is the same when record, version time and keyed hash are. An object with
 * no packs yet (a first full backup) costs one probe.
 */
export async function storedMatches(
  client: PoolClient,
  orgId: string,
  object: string,
  batch: readonly BatchVersion[],
  withLatest: boolean,
): Promise<StoredMatches> {
  const out: StoredMatches = { stored: new Set(), latest: [] };
  const range = idRange(batch);
  const { rowCount } = await client.query(
    `SELECT 1 FROM packs WHERE org_id = $1 AND object = $2${range ? ' AND max_record_id >= $3 AND min_record_id <= $4' : ''} LIMIT 1`,
    range ? [orgId, object, range[0], range[1]] : [orgId, object],
  );
  if (rowCount === 0) return out;
  await client.query(
    `CREATE TEMP TABLE IF NOT EXISTS store_batch (n integer, record_id text COLLATE "C", valid_from timestamptz, hash bigint)
     ON COMMIT DELETE ROWS`,
  );
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
  await client.query('ANALYZE store_batch');
  const { rows } = await client.query<{ n: number }>(STORED_SQL, [orgId, object]);
  for (const r of rows) out.stored.add(r.n);
  if (withLatest) out.latest = (await client.query<LatestState>(latestSql(batch.length <= FEW_IDS), [orgId, object])).rows;
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
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [orgId, object]);
}

/** Pack ids are known before sealing, so each pack's ciphertext can be bound to its id. */
export async function reservePackIds(client: PoolClient, n: number): Promise<string[]> {
  const { rows } = await client.query<{ id: string }>(
    `SELECT nextval(pg_get_serial_sequence('packs', 'id'))::text AS id FROM generate_series(1, $1)`,
    [n],
  );
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

/** Versions of (org $1, object $2) at or before $3, from the packs that begin by then, plus `where`. */
const versionsUntil = (where = '') =>
  unnested('v.record_id, v.valid_from, v.deleted, p.id AS pack_id, (v.n - 1)::int AS row_no', ` AND p.min_valid_from <= $3${where}`);

/** The latest version per record at or before $3 (ties: later pack, later row). */
const latestAt = (packFilter = '', rowFilter = '') => `SELECT DISTINCT ON (record_id) record_id, valid_from, deleted, pack_id, row_no
  FROM (${versionsUntil(packFilter)}) v WHERE valid_from <= $3${rowFilter}
  ORDER BY record_id, valid_from DESC, pack_id DESC, row_no DESC`;

/**
 * Records live at a time, in storage order so that each pack is opened once. The time comes as
 * epoch milliseconds: parsing a timestamp per row in the driver costs more than the query.
 */
const liveAt = (packFilter?: string, rowFilter?: string) => `SELECT record_id, (extract(epoch FROM valid_from) * 1000)::float8 AS valid_ms,
       pack_id::text AS pack, row_no
  FROM (${latestAt(packFilter, rowFilter)}) latest WHERE NOT deleted ORDER BY latest.pack_id, latest.row_no`;

export const AS_OF_SQL = liveAt();

/** The same for the ids in $4 only (n of them), from the packs whose id range can hold them. */
export const recordsAtSql = (n: number): string =>
  liveAt(packsHolding('unnest($4::text[]) x', n <= FEW_IDS), ' AND record_id = ANY($4::text[])');

export interface LiveRow {
  record_id: string;
  valid_ms: number;
  pack: string;
  row_no: number;
}

export const IDS_AT_SQL = `SELECT record_id FROM (${latestAt()}) latest WHERE NOT deleted ORDER BY record_id`;

export const VERSIONS_OF_SQL = `${unnested(
  'v.valid_from, v.deleted, p.id::text AS pack_id, (v.n - 1)::int AS row_no, p.format, p.source, p.job_id',
  ' AND p.min_record_id <= $3 AND p.max_record_id >= $3 AND v.record_id = $3',
)}
 ORDER BY v.valid_from, p.id, v.n`;
