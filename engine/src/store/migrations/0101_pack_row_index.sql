-- The catalog moves into the packs: each pack carries its row index (per row: record id, version
-- time, deleted flag, keyed hash) as four arrays, which PostgreSQL compresses as one TOASTed value
-- per pack, instead of one record_versions row (tuple header, index entry) per version. Row n of
-- the arrays describes row n of the pack. The bounds let reads and the dedup lookup skip packs by
-- time and id range. Packs stay write-once: the index is written with the pack.
ALTER TABLE packs
  ADD COLUMN row_record_ids text[] COLLATE "C",
  ADD COLUMN row_valid_from timestamptz[],
  ADD COLUMN row_deleted    boolean[],
  -- The first 8 bytes of the row's keyed hash, as a big-endian signed integer.
  ADD COLUMN row_hash       bigint[],
  ADD COLUMN min_record_id  text COLLATE "C",
  ADD COLUMN max_record_id  text COLLATE "C",
  ADD COLUMN min_valid_from timestamptz,
  ADD COLUMN max_valid_from timestamptz;

-- Backups written before this migration: their versions move into their packs' arrays. This is
-- the one sanctioned rewrite of stored packs, so the write-once trigger steps aside for it.
ALTER TABLE packs DISABLE TRIGGER packs_write_once;
UPDATE packs p
   SET row_record_ids = v.ids, row_valid_from = v.times, row_deleted = v.deleted, row_hash = v.hashes,
       min_record_id = v.min_id, max_record_id = v.max_id, min_valid_from = v.min_time, max_valid_from = v.max_time
  FROM (SELECT org_id, pack_id,
               array_agg(record_id ORDER BY row_no) AS ids,
               array_agg(valid_from ORDER BY row_no) AS times,
               array_agg(deleted ORDER BY row_no) AS deleted,
               array_agg(('x' || encode(hash, 'hex'))::bit(64)::bigint ORDER BY row_no) AS hashes,
               min(record_id) AS min_id, max(record_id) AS max_id, min(valid_from) AS min_time, max(valid_from) AS max_time
          FROM record_versions GROUP BY org_id, pack_id) v
 WHERE p.org_id = v.org_id AND p.id = v.pack_id;
UPDATE packs SET row_record_ids = '{}', row_valid_from = '{}', row_deleted = '{}', row_hash = '{}' WHERE row_record_ids IS NULL;
ALTER TABLE packs ENABLE TRIGGER packs_write_once;
DROP TABLE record_versions;

ALTER TABLE packs
  ALTER COLUMN row_record_ids SET NOT NULL,
  ALTER COLUMN row_valid_from SET NOT NULL,
  ALTER COLUMN row_deleted SET NOT NULL,
  ALTER COLUMN row_hash SET NOT NULL;
CREATE INDEX packs_object ON packs (org_id, object, id);

-- One row per stored version, as the table of that name was: for operators' queries and checks.
-- The store's own queries unnest only the packs they need.
CREATE VIEW record_versions AS
SELECT p.org_id, p.object, v.record_id, v.valid_from, v.deleted, int8send(v.hash) AS hash, p.id AS pack_id, (v.n - 1)::int AS row_no
  FROM packs p
 CROSS JOIN LATERAL unnest(p.row_record_ids, p.row_valid_from, p.row_deleted, p.row_hash) WITH ORDINALITY AS v(record_id, valid_from, deleted, hash, n);
