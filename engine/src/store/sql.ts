/**
 * The store's SQL for its packs, row indexes, keys and check (the way pg-boss keeps its SQL in
 * plans.ts). The catalog's version queries stay beside their builders in catalog/versions.ts and
 * the files' in blobs/. Callers own transactions.
 */

/**
 * SHA-256 of a pack's row index (alias p) in one canonical text form: per row the id's length
 * and the id, the version time in epoch microseconds, the deleted flag and the keyed hash. The
 * writer has PostgreSQL compute it over what it stored and MACs it; readers compute it again and
 * verify the MAC, so no index leaves the database to be checked. A missing element drops its row
 * from the text, which changes the digest like any other edit.
 */
const INDEX_DIGEST = `sha256(convert_to(coalesce((
  SELECT string_agg(octet_length(v.id)::text || ':' || v.id || ',' || (extract(epoch FROM v.t) * 1000000)::bigint || ',' || v.d || ',' || v.h,
                    ';' ORDER BY v.n)
    FROM unnest(p.row_record_ids, p.row_valid_from, p.row_deleted, p.row_hash) WITH ORDINALITY AS v(id, t, d, h, n)), ''), 'UTF8'))`;

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
