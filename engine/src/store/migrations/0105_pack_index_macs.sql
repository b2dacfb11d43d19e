-- A pack's row index (ids, version times, deleted flags, keyed hashes, migration 0101) is bound to
-- the pack by an HMAC under the org's key: a flipped deleted flag or two swapped ids would
-- otherwise change what a read returns while every count and bound still agrees. The MAC covers
-- the pack's identity and content hash and a digest of the index that PostgreSQL computes (the
-- same expression when written and when read, store/sql.ts), so readers verify a whole object's
-- index without fetching it. It sits beside the pack because the pack row is written before its
-- digest is known and packs are write-once.
CREATE TABLE pack_index_macs (
  org_id  uuid NOT NULL,
  pack_id bigint NOT NULL,
  mac     bytea NOT NULL,
  PRIMARY KEY (org_id, pack_id),
  FOREIGN KEY (org_id, pack_id) REFERENCES packs (org_id, id) ON DELETE CASCADE
);

-- Packs written before this migration keep their unauthenticated index (no key is at hand here);
-- `check --read-data` re-derives it from their rows. Every pack from this id on must have a MAC,
-- so deleting a MAC does not make a pack look old.
CREATE TABLE pack_index_macs_from (
  only_row      boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  first_pack_id bigint NOT NULL
);
INSERT INTO pack_index_macs_from (first_pack_id) SELECT coalesce(max(id), 0) + 1 FROM packs;
