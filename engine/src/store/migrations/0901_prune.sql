-- Prune (retention/ decides what expires; the store removes it). Files no kept version refers to
-- are deleted only after a safety delay (Kopia's rule): `blob_unreferenced` keeps when a prune
-- first found each so. Forgetting a file (its `blobs` row) and deleting its bytes are two steps:
-- `blob_deletions` queues the bytes in the row's transaction, so a prune killed between the two
-- finishes the deletion when it runs again, and a file recorded afresh meanwhile keeps its bytes.
CREATE TABLE blob_unreferenced (
  org_id       uuid NOT NULL,
  content_hash bytea NOT NULL,
  since        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, content_hash)
);

CREATE TABLE blob_deletions (
  org_id       uuid NOT NULL,
  content_hash bytea NOT NULL,
  queued_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, content_hash)
);
