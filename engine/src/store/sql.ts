/**
 * The store's SQL: packs and their row indexes (the catalog), keys and check, the way pg-boss
 * keeps its SQL in plans.ts; then the files' (blobs/). Callers own transactions.
 */

// The catalog: each pack's row index as arrays plus bounds (migration 0101). Queries unnest only
// the packs whose bounds can hold what they look for.

/** The rows of the packs of (org $1, object $2) that pass `where` (over p, with v's columns named, and `from`). */
const unnested = (columns: string, where: string, from = '') => `SELECT ${columns}
  FROM ${from}packs p CROSS JOIN LATERAL unnest(p.row_record_ids, p.row_valid_from, p.row_deleted, p.row_hash)
       WITH ORDINALITY AS v(record_id, valid_from, deleted, hash, n)
 WHERE p.org_id = $1 AND p.object = $2${where}`;

/** Up to this many ids, packs are matched per id; beyond, by the ids' overall range. */
export const FEW_IDS = 1000;

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
// The rows found stored leave the batch table, so the lookup of the records' latest states that
// may follow (latestSql) covers only the versions about to be stored.
export const STORED_SQL = `WITH bounds AS (SELECT min(record_id) AS lo_id, max(record_id) AS hi_id, min(valid_from) AS lo_t, max(valid_from) AS hi_t
                  FROM store_batch),
v AS MATERIALIZED (${unnested(
  'v.record_id, v.valid_from, v.hash',
  ` AND p.max_record_id >= bounds.lo_id AND p.min_record_id <= bounds.hi_id
   AND p.max_valid_from >= bounds.lo_t AND p.min_valid_from <= bounds.hi_t`,
  'bounds, ',
)})
DELETE FROM store_batch b USING v WHERE v.record_id = b.record_id AND v.valid_from = b.valid_from AND v.hash = b.hash
RETURNING b.n`;

export const latestSql = (
  few: boolean,
) => `SELECT DISTINCT ON (v.record_id) v.record_id, (extract(epoch FROM v.valid_from) * 1000)::float8 AS at_ms, v.deleted
  FROM (${unnested('v.record_id, v.valid_from, v.deleted, p.id AS pack_id, v.n', packsHolding(BATCH_IDS, few))}) v
 WHERE v.record_id IN (SELECT record_id FROM store_batch)
 ORDER BY v.record_id, v.valid_from DESC, v.pack_id DESC, v.n DESC`;

/** Whether any pack of (org $1, object $2) exists; with $3 and $4, any whose id range overlaps them. */
export const ANY_PACK = 'SELECT 1 FROM packs WHERE org_id = $1 AND object = $2 LIMIT 1';
export const ANY_PACK_IN_RANGE =
  'SELECT 1 FROM packs WHERE org_id = $1 AND object = $2 AND max_record_id >= $3 AND min_record_id <= $4 LIMIT 1';

export const CREATE_BATCH_TABLE = `CREATE TEMP TABLE IF NOT EXISTS store_batch (n integer, record_id text COLLATE "C", valid_from timestamptz, hash bigint)
  ON COMMIT DELETE ROWS`;
export const ANALYZE_BATCH_TABLE = 'ANALYZE store_batch';

/** Bulk load in COPY's text format (catalog/copy.ts streams the lines). */
export const copyInto = (table: string, columns: readonly string[]): string => `COPY ${table} (${columns.join(', ')}) FROM STDIN`;

/** Serialises writers of one org's object ($1, $2). */
export const LOCK_OBJECT = 'SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))';
export const RESERVE_PACK_IDS = `SELECT nextval(pg_get_serial_sequence('packs', 'id'))::text AS id FROM generate_series(1, $1)`;

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

/** Objects of org $1 with a pack whose id range can hold record $2 (the store keeps no id → object map). */
export const OBJECTS_HOLDING = `SELECT DISTINCT object FROM packs WHERE org_id = $1 AND min_record_id <= $2 AND max_record_id >= $2 ORDER BY object`;

/**
 * Records of (org $1, object $2) whose latest version is a deletion made in [$3, $4], newest
 * first, at most $5: each with the pack row of its latest version that has fields (the deleted
 * row itself from queryAll, else the last live one before a tombstone). Candidates come from the
 * packs written since $3; their other versions from the packs whose id range can hold them.
 */
export const DELETED_SQL = `WITH cand AS MATERIALIZED (${unnested(
  'DISTINCT v.record_id',
  ' AND p.max_valid_from >= $3 AND p.min_valid_from <= $4 AND v.deleted AND v.valid_from >= $3 AND v.valid_from <= $4',
)}),
vs AS MATERIALIZED (${unnested(
  'v.record_id, v.valid_from, v.deleted, p.id AS pack_id, p.format, (v.n - 1)::int AS row_no',
  packsHolding('(SELECT record_id AS x FROM cand) ids', false) + ' AND v.record_id IN (SELECT record_id FROM cand)',
)}),
latest AS (SELECT DISTINCT ON (record_id) record_id, valid_from, deleted FROM vs ORDER BY record_id, valid_from DESC, pack_id DESC, row_no DESC),
shown AS (SELECT DISTINCT ON (record_id) record_id, pack_id, row_no FROM vs WHERE format <> 'tombstones'
           ORDER BY record_id, valid_from DESC, pack_id DESC, row_no DESC)
SELECT l.record_id, l.valid_from AS deleted_at, s.pack_id::text AS pack, s.row_no
  FROM latest l LEFT JOIN shown s USING (record_id)
 WHERE l.deleted AND l.valid_from >= $3 AND l.valid_from <= $4
 ORDER BY l.valid_from DESC, l.record_id LIMIT $5`;

export interface DeletedRow {
  record_id: string;
  deleted_at: Date;
  pack: string | null;
  row_no: number | null;
}

/**
 * SHA-256 of a pack's row index (alias p): of its four arrays in PostgreSQL's binary form (ids
 * as UTF-8 text, which is this engine's client encoding; times as microseconds; null flags and
 * lengths included). The writer has PostgreSQL compute it over what it stored and MACs it;
 * readers compute it again and verify the MAC, so no index leaves the database to be checked.
 * array_send costs about a fifth of a microsecond per row; a per-row text form cost ten times that.
 */
const INDEX_DIGEST = `sha256(array_send(p.row_record_ids) || array_send(p.row_valid_from) || array_send(p.row_deleted) || array_send(p.row_hash))`;

/**
 * Whether a pack's row index (alias p) is consistent in itself: one entry per row, none missing,
 * tombstones all deleted, and bounds that agree with the entries (reads skip packs by them).
 */
const INDEX_CONSISTENT = `(cardinality(p.row_record_ids) = p.row_count AND cardinality(p.row_valid_from) = p.row_count
   AND cardinality(p.row_deleted) = p.row_count AND cardinality(p.row_hash) = p.row_count
   AND array_position(p.row_record_ids, NULL) IS NULL AND array_position(p.row_valid_from, NULL) IS NULL
   AND array_position(p.row_deleted, NULL) IS NULL AND array_position(p.row_hash, NULL) IS NULL
   AND (p.format <> 'tombstones' OR array_position(p.row_deleted, false) IS NULL)
   AND (p.row_count = 0 OR (SELECT min(x) = p.min_record_id AND max(x) = p.max_record_id FROM unnest(p.row_record_ids) x)
                     AND (SELECT min(t) = p.min_valid_from AND max(t) = p.max_valid_from FROM unnest(p.row_valid_from) t))) IS TRUE`;

/** A pack and its row index; the bounds are computed by PostgreSQL, in its own order and time parsing. Returns the index digest. */
export const INSERT_PACK = `WITH ix AS (SELECT $13::text[] AS ids, $14::timestamptz[] AS times)
  INSERT INTO packs AS p (org_id, id, object, format, codec, row_count, plain_size, plain_hash, cipher_hash, data, source, job_id,
                          row_record_ids, row_valid_from, row_deleted, row_hash, min_record_id, max_record_id, min_valid_from, max_valid_from)
  SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, ix.ids, ix.times, $15, $16,
         (SELECT min(x COLLATE "C") FROM unnest(ix.ids) x), (SELECT max(x COLLATE "C") FROM unnest(ix.ids) x),
         (SELECT min(t) FROM unnest(ix.times) t), (SELECT max(t) FROM unnest(ix.times) t)
    FROM ix
  RETURNING ${INDEX_DIGEST} AS digest`;

export const INSERT_INDEX_MACS = `INSERT INTO pack_index_macs (org_id, pack_id, mac)
  SELECT $1, m.pack_id, m.mac FROM unnest($2::bigint[], $3::bytea[]) AS m(pack_id, mac)`;

/** What verifying a pack's index needs; the digest only where there is a MAC to check it against. */
export interface IndexAuthRow {
  id: string;
  object: string;
  format: string;
  row_count: number;
  plain_hash: Buffer | null;
  mac: Buffer | null;
  digest: Buffer | null;
  /** Written after migration 0105, so it must have a MAC. */
  needs_mac: boolean;
  consistent: boolean;
  /** Its first record ids, to name what a damaged pack holds. */
  first_ids: string[];
}

/** Which packs of org $1 a read's index verification covers: object $2's, or those whose id bounds can hold $3 (one id, or an array). */
export const INDEX_SCOPE = {
  all: ' AND p.object = $2',
  id: ' AND p.object = $2 AND p.min_record_id <= $3 AND p.max_record_id >= $3',
  ids: ' AND p.object = $2 AND EXISTS (SELECT 1 FROM unnest($3::text[]) x WHERE x >= p.min_record_id AND x <= p.max_record_id)',
} as const;

/** The index evidence of the packs of org $1 that pass `where` (over p). */
export const indexAuthSql = (where: string): string => `SELECT p.id::text, p.object, p.format, p.row_count, p.plain_hash, m.mac,
       CASE WHEN m.mac IS NULL THEN NULL ELSE ${INDEX_DIGEST} END AS digest,
       p.id >= f.first_pack_id AS needs_mac, ${INDEX_CONSISTENT} AS consistent, p.row_record_ids[1:3] AS first_ids
  FROM packs p CROSS JOIN pack_index_macs_from f
  LEFT JOIN pack_index_macs m ON m.org_id = p.org_id AND m.pack_id = p.id
 WHERE p.org_id = $1${where}
 ORDER BY p.id`;

export const LOAD_PACK = 'SELECT object, format, codec, row_count, plain_hash, cipher_hash, data FROM packs WHERE org_id = $1 AND id = $2';

export const OBJECTS = 'SELECT DISTINCT object FROM packs WHERE org_id = $1 ORDER BY object';

export const INSERT_ORG_KEY = 'INSERT INTO org_keys (org_id, kek_id, wrapped_key) VALUES ($1, $2, $3) ON CONFLICT (org_id) DO NOTHING';
export const ORG_KEY = 'SELECT kek_id, wrapped_key FROM org_keys WHERE org_id = $1';
/** An org key wrapped by another KEK than $1, if any. */
export const OTHER_KEK = 'SELECT kek_id FROM org_keys WHERE kek_id <> $1 LIMIT 1';

// check

export const CHECK_ORGS = 'SELECT org_id FROM packs UNION SELECT org_id FROM blobs ORDER BY 1';

export const CHECK_COUNTS = `SELECT (SELECT count(*) FROM packs WHERE org_id = $1)::int AS packs,
       (SELECT coalesce(sum(row_count), 0) FROM packs WHERE org_id = $1)::int AS versions,
       (SELECT count(*) FROM blobs WHERE org_id = $1)::int AS blobs,
       (SELECT count(*) FROM blob_refs WHERE org_id = $1)::int AS refs`;

export const CHECK_PACK_DATA = `SELECT p.id::text, p.object, p.data IS NOT NULL AS has_data, p.row_record_ids[1:3] AS first_ids FROM packs p
  WHERE p.org_id = $1 AND p.format <> 'tombstones' AND (p.data IS NULL OR p.cipher_hash IS NULL OR sha256(p.data) <> p.cipher_hash)
  ORDER BY p.id`;

/** A share ($2 percent) of org $1's data packs, at random, with their row index. */
export const CHECK_SAMPLE_PACKS = `SELECT id::text, object, row_record_ids, row_deleted, row_hash,
       array(SELECT (extract(epoch FROM t) * 1000)::float8 FROM unnest(row_valid_from) WITH ORDINALITY AS u(t, n) ORDER BY n) AS row_ms
  FROM packs WHERE org_id = $1 AND format <> 'tombstones' ORDER BY random() LIMIT ceil(
  (SELECT count(*) FROM packs WHERE org_id = $1 AND format <> 'tombstones') * $2::float8 / 100)`;

/** References to content with no blob row, each with the first record that holds it. */
export const CHECK_REFS_WITHOUT_BLOB = `SELECT encode(r.content_hash, 'hex') AS content_hash, count(*)::int AS n,
       min(r.object) AS object, min(r.record_id) AS record_id, min(r.field) AS field
  FROM blob_refs r LEFT JOIN blobs b ON b.org_id = r.org_id AND b.content_hash = r.content_hash
 WHERE r.org_id = $1 AND b.content_hash IS NULL GROUP BY r.content_hash ORDER BY 1`;

/** Org $1's blobs with the first record that refers to each (restricted to $2's hex hashes when given). */
export const CHECK_BLOBS = `SELECT encode(b.content_hash, 'hex') AS content_hash, b.stored_size, r.object, r.record_id, r.field, r.n
  FROM blobs b LEFT JOIN LATERAL (
         SELECT object, record_id, field, count(*) OVER ()::int AS n FROM blob_refs
          WHERE org_id = b.org_id AND content_hash = b.content_hash ORDER BY object, record_id, field LIMIT 1) r ON true
 WHERE b.org_id = $1 ORDER BY b.content_hash`;

export const CHECK_SAMPLE_BLOBS = `SELECT encode(content_hash, 'hex') AS content_hash FROM blobs WHERE org_id = $1 ORDER BY random() LIMIT ceil(
  (SELECT count(*) FROM blobs WHERE org_id = $1) * $2::float8 / 100)`;

// Files (blobs/): one row per stored content, one reference per record field that holds it.

/** One committer per (org $1, content hash $2) at a time (the two-key transaction lock of LOCK_OBJECT). */
export const LOCK_BLOB = LOCK_OBJECT;

export const BLOB_RECORDED = 'SELECT 1 FROM blobs WHERE org_id = $1 AND content_hash = $2';

/** A file copied to its address; recopied, the row describes the new bytes. */
export const RECORD_BLOB = `INSERT INTO blobs (org_id, content_hash, size, stored_size, cipher_hash, created_at) VALUES ($1, $2, $3, $4, $5, clock_timestamp())
  ON CONFLICT (org_id, content_hash) DO UPDATE SET stored_size = EXCLUDED.stored_size, cipher_hash = EXCLUDED.cipher_hash, created_at = EXCLUDED.created_at`;

export const ADD_BLOB_REF = `INSERT INTO blob_refs (org_id, object, record_id, field, valid_from, content_hash, size, source, job_id)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`;

export const BLOB_SIZE_AND_HASH = 'SELECT size, cipher_hash FROM blobs WHERE org_id = $1 AND content_hash = $2';

export const BLOBS_SINCE = `SELECT org_id, encode(content_hash, 'hex') AS content_hash FROM blobs WHERE created_at >= $1 ORDER BY created_at`;

/** Drops a lost file's row, answering the record that referred to it last. */
export const FORGET_BLOB = `WITH gone AS (DELETE FROM blobs WHERE org_id = $1 AND content_hash = $2 RETURNING content_hash)
  SELECT r.object, r.record_id FROM gone LEFT JOIN LATERAL (
    SELECT object, record_id FROM blob_refs WHERE org_id = $1 AND content_hash = gone.content_hash ORDER BY valid_from DESC LIMIT 1
  ) r ON true`;

/** References of (org $1, object $2) whose content is not recorded, newest first per record. */
export const LOST_REFS = `SELECT record_id, field, valid_from, encode(content_hash, 'hex') AS content_hash, size, source, job_id FROM blob_refs r
  WHERE org_id = $1 AND object = $2
    AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.org_id = r.org_id AND b.content_hash = r.content_hash)
  ORDER BY record_id, field, valid_from DESC`;

/** Per record and field, the latest reference with valid_from <= $3, in id order. */
export const REFS_AT = `SELECT DISTINCT ON (record_id, field) record_id, field, valid_from, encode(content_hash, 'hex') AS content_hash, size, source, job_id
  FROM blob_refs WHERE org_id = $1 AND object = $2 AND valid_from <= $3
  ORDER BY record_id, field, valid_from DESC, created_at DESC`;

/** The references of one record whose content is recorded, oldest first. */
export const REFS_OF = `SELECT field, valid_from, encode(content_hash, 'hex') AS content_hash, size, source, job_id FROM blob_refs r
  WHERE org_id = $1 AND object = $2 AND record_id = $3
    AND EXISTS (SELECT 1 FROM blobs b WHERE b.org_id = r.org_id AND b.content_hash = r.content_hash)
  ORDER BY valid_from, field`;

// Prune: retention/ decides which versions and file references expire; these remove them.

/** Every version of (org $1, object $2) in the order reads break ties: per record by time, then pack and row. */
export const PRUNE_VERSIONS = `SELECT v.record_id, (extract(epoch FROM v.valid_from) * 1000)::float8 AS ms, p.id::text AS pack_id, (v.n - 1)::int AS row_no
  FROM packs p CROSS JOIN LATERAL unnest(p.row_record_ids, p.row_valid_from) WITH ORDINALITY AS v(record_id, valid_from, n)
 WHERE p.org_id = $1 AND p.object = $2
 ORDER BY v.record_id, v.valid_from, p.id, v.n`;

export const PACK_SHAPE = `SELECT format, row_count, coalesce(octet_length(data), 0)::float8 AS bytes FROM packs WHERE org_id = $1 AND id = $2`;

export const DELETE_PACK = 'DELETE FROM packs WHERE org_id = $1 AND id = $2';

/**
 * Pack $3: rows $4 (0-based, ascending) of pack $2, their bytes sealed anew ($5–$9), their row
 * index entries copied as stored (the rows' bytes, hence their keyed hashes, are unchanged);
 * source, job and creation time kept. Returns the index digest for the new pack's MAC.
 */
export const INSERT_PRUNED_PACK = `WITH old AS (SELECT * FROM packs WHERE org_id = $1 AND id = $2),
kept AS (SELECT v.* FROM old CROSS JOIN LATERAL unnest(old.row_record_ids, old.row_valid_from, old.row_deleted, old.row_hash)
           WITH ORDINALITY AS v(r, t, d, h, n) WHERE (v.n - 1) = ANY($4::int[])),
ix AS (SELECT array_agg(r ORDER BY n) AS ids, array_agg(t ORDER BY n) AS times, array_agg(d ORDER BY n) AS dels, array_agg(h ORDER BY n) AS hashes
         FROM kept)
INSERT INTO packs AS p (org_id, id, object, format, codec, row_count, plain_size, plain_hash, cipher_hash, data, source, job_id, created_at,
                        row_record_ids, row_valid_from, row_deleted, row_hash, min_record_id, max_record_id, min_valid_from, max_valid_from)
SELECT old.org_id, $3, old.object, old.format, $5, cardinality(ix.ids), $6, $7, $8, $9, old.source, old.job_id, old.created_at,
       ix.ids, ix.times, ix.dels, ix.hashes,
       (SELECT min(x COLLATE "C") FROM unnest(ix.ids) x), (SELECT max(x COLLATE "C") FROM unnest(ix.ids) x),
       (SELECT min(t) FROM unnest(ix.times) t), (SELECT max(t) FROM unnest(ix.times) t)
  FROM old, ix
RETURNING ${INDEX_DIGEST} AS digest`;

/** Org $1's file references per record field in the order REFS_AT breaks ties. */
export const PRUNE_REFS = `SELECT object, record_id, field, (extract(epoch FROM valid_from) * 1000)::float8 AS ms, valid_from::text AS at,
       encode(content_hash, 'hex') AS content_hash
  FROM blob_refs WHERE org_id = $1 ORDER BY object, record_id, field, valid_from, created_at`;

export const DELETE_REFS = `DELETE FROM blob_refs r
 USING unnest($2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[]) AS x(object, record_id, field, valid_from, content_hash)
 WHERE r.org_id = $1 AND r.object = x.object AND r.record_id = x.record_id AND r.field = x.field AND r.valid_from = x.valid_from
   AND r.content_hash = decode(x.content_hash, 'hex')`;

/** Notes files of org $1 nothing refers to (from now, unless noted before); forgets notes of files referred to again. */
export const MARK_UNREFERENCED = `INSERT INTO blob_unreferenced (org_id, content_hash)
  SELECT b.org_id, b.content_hash FROM blobs b
   WHERE b.org_id = $1 AND NOT EXISTS (SELECT 1 FROM blob_refs r WHERE r.org_id = b.org_id AND r.content_hash = b.content_hash)
  ON CONFLICT DO NOTHING`;
export const UNMARK_REFERENCED = `DELETE FROM blob_unreferenced u
 WHERE u.org_id = $1 AND (EXISTS (SELECT 1 FROM blob_refs r WHERE r.org_id = u.org_id AND r.content_hash = u.content_hash)
   OR NOT EXISTS (SELECT 1 FROM blobs b WHERE b.org_id = u.org_id AND b.content_hash = u.content_hash))`;

/** Files of org $1 unreferenced for at least $2 seconds. */
export const DUE_UNREFERENCED = `SELECT encode(content_hash, 'hex') AS content_hash FROM blob_unreferenced
 WHERE org_id = $1 AND since <= now() - make_interval(secs => $2) ORDER BY content_hash`;

/** Under the content's lock: forgets file $2 if nothing refers to it still, queuing its bytes for deletion. */
export const FORGET_UNREFERENCED = `WITH gone AS (
    DELETE FROM blobs b WHERE b.org_id = $1 AND b.content_hash = $2
       AND NOT EXISTS (SELECT 1 FROM blob_refs r WHERE r.org_id = b.org_id AND r.content_hash = b.content_hash)
    RETURNING b.org_id, b.content_hash, b.stored_size),
  queued AS (INSERT INTO blob_deletions (org_id, content_hash) SELECT org_id, content_hash FROM gone ON CONFLICT DO NOTHING)
SELECT stored_size::float8 AS bytes FROM gone`;
export const DROP_MARK = 'DELETE FROM blob_unreferenced WHERE org_id = $1 AND content_hash = $2';

export const QUEUED_DELETIONS = `SELECT encode(content_hash, 'hex') AS content_hash FROM blob_deletions WHERE org_id = $1 ORDER BY content_hash`;
export const DROP_DELETION = 'DELETE FROM blob_deletions WHERE org_id = $1 AND content_hash = $2';
// Deleting an org's backups (deletion.ts): every statement in one transaction. The versions are
// the packs' rows (the record_versions view) and the index MACs go with their packs (cascade).
export const DELETE_ORG_PACKS =
  'WITH gone AS (DELETE FROM packs WHERE org_id = $1 RETURNING row_count) SELECT count(*)::int AS packs, coalesce(sum(row_count), 0)::bigint AS versions FROM gone';
export const DELETE_ORG_BLOB_REFS = 'DELETE FROM blob_refs WHERE org_id = $1';
export const DELETE_ORG_BLOBS = 'WITH gone AS (DELETE FROM blobs WHERE org_id = $1 RETURNING 1) SELECT count(*)::int AS files FROM gone';
export const DELETE_ORG_KEY = 'DELETE FROM org_keys WHERE org_id = $1';

// Erasure: retention/ names the records; these find their versions and files and remove them
// with prune's statements (a pack rewritten without their rows, their references deleted).

/** Org $1's packs of object $2 in id order, with their row ids: a scan for values reads each data pack once. */
export const ERASE_SCAN_PACKS = 'SELECT id::text, format, row_record_ids FROM packs WHERE org_id = $1 AND object = $2 ORDER BY id';

/** Where the versions of records $3 (n of them) of (org $1, object $2) are: pack and row, in pack order. */
export const eraseVersionsSql = (n: number): string =>
  `${unnested(
    'v.record_id, p.id::text AS pack_id, (v.n - 1)::int AS row_no',
    packsHolding('unnest($3::text[]) x', n <= FEW_IDS) + ' AND v.record_id = ANY($3::text[])',
  )} ORDER BY p.id, v.n`;

/** The file references of records $3 of (org $1, object $2), as prune sees them. */
export const ERASE_REFS = `SELECT object, record_id, field, (extract(epoch FROM valid_from) * 1000)::float8 AS ms, valid_from::text AS at,
       encode(content_hash, 'hex') AS content_hash
  FROM blob_refs WHERE org_id = $1 AND object = $2 AND record_id = ANY($3::text[]) ORDER BY record_id, field, valid_from`;

/** Of contents $2 (hex), those no reference outside the records ($3 objects, $4 ids) holds: what erasing them deletes. */
export const ERASE_SOLE_FILES = `SELECT h AS content_hash FROM unnest($2::text[]) h
 WHERE NOT EXISTS (SELECT 1 FROM blob_refs r WHERE r.org_id = $1 AND r.content_hash = decode(h, 'hex')
   AND (r.object, r.record_id) NOT IN (SELECT m.o COLLATE "C", m.i COLLATE "C" FROM unnest($3::text[], $4::text[]) AS m(o, i)))`;
