-- GDPR erasure: a request names records (ids) and/or values (emails, phones) to find in chosen
-- objects; a second administrator approves it; then every stored version of the records found,
-- and the files only they refer to, are removed (prune's pack rewrite). No plaintext value is
-- kept: a request holds keyed hashes (HMAC under the org's key) and the values' lengths (so a
-- scan hashes only fields of a matching length); the ledger keeps keyed hashes of what went.
CREATE TABLE erasure_requests (
  org_id           uuid NOT NULL,
  id               uuid NOT NULL,
  tenant_id        uuid NOT NULL,
  reference        text NOT NULL CHECK (length(reference) BETWEEN 1 AND 200),
  objects          text[] NOT NULL,
  record_ids       text[] NOT NULL,
  value_macs       bytea[] NOT NULL,
  value_lengths    integer[] NOT NULL,
  -- pending: awaiting approval; running: approved, erasing (or cut short: approving again finishes it); done.
  status           text NOT NULL CHECK (status IN ('pending', 'running', 'done')),
  phase            text CHECK (phase IN ('versions', 'files')),
  dry_run          jsonb,
  requested_by     text NOT NULL,
  requested_at     timestamptz NOT NULL DEFAULT now(),
  approved_by      text,
  approved_at      timestamptz,
  finished_at      timestamptz,
  versions_removed bigint NOT NULL DEFAULT 0,
  packs_rewritten  integer NOT NULL DEFAULT 0,
  packs_deleted    integer NOT NULL DEFAULT 0,
  refs_removed     bigint NOT NULL DEFAULT 0,
  files_deleted    integer NOT NULL DEFAULT 0,
  file_bytes       bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (org_id, id)
);

-- The records an approved request erases, fixed when it was approved, so a run cut short and
-- resumed erases the same set even though the values it matched are gone from the packs.
CREATE TABLE erasure_records (
  org_id      uuid NOT NULL,
  request_id  uuid NOT NULL,
  object      text COLLATE "C" NOT NULL,
  record_id   text COLLATE "C" NOT NULL,
  PRIMARY KEY (org_id, request_id, object, record_id)
);

-- The files of those records, noted before their references go (after, nothing would name them).
CREATE TABLE erasure_files (
  org_id       uuid NOT NULL,
  request_id   uuid NOT NULL,
  content_hash text NOT NULL,
  PRIMARY KEY (org_id, request_id, content_hash)
);

-- What was erased, as keyed hashes only: record ids (kind 'record', per object) and matched
-- values (kind 'value', per object and field where found). Restore, compare and export consult it
-- so an erased person never comes back from an older backup or a recovery point.
CREATE TABLE erasure_ledger (
  org_id      uuid NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('record', 'value')),
  object      text NOT NULL,
  field       text NOT NULL,
  mac         bytea NOT NULL,
  request_id  uuid NOT NULL,
  erased_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, kind, object, field, mac)
);
