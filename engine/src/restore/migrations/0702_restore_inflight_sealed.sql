-- The rows of a create in flight are backed-up values: they are kept sealed under the source org's
-- key (csv_sealed), like packs, so neither the table's pages nor the WAL hold them in the clear.
-- Notes written before this version keep their plain csv and are settled as they are.
ALTER TABLE restore_inflight
  ADD COLUMN csv_sealed text,
  ALTER COLUMN csv DROP NOT NULL,
  ADD CONSTRAINT restore_inflight_one_csv CHECK ((csv IS NULL) <> (csv_sealed IS NULL));
