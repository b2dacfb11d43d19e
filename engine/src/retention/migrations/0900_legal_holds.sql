-- Legal holds: an org, or a set of its records, kept as it is until the hold is released. Prune,
-- erasure and deleting an org's backups ask retention/ first and refuse while a hold covers them.
--
-- A released hold stays (who released it and when) for the matter's own record; only holds with
-- released_at NULL hold anything. No foreign keys: a hold outlives a disconnected org.
CREATE TABLE legal_holds (
  org_id       uuid NOT NULL,
  id           uuid NOT NULL,
  tenant_id    uuid NOT NULL,
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  scope        text NOT NULL CHECK (scope IN ('org', 'records')),
  created_by   text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  released_by  text,
  released_at  timestamptz,
  PRIMARY KEY (org_id, id)
);
CREATE INDEX legal_holds_active ON legal_holds (org_id) WHERE released_at IS NULL;

-- The records of a 'records' hold, as 18-character Salesforce ids (the form the store keeps).
CREATE TABLE legal_hold_records (
  org_id     uuid NOT NULL,
  hold_id    uuid NOT NULL,
  record_id  text NOT NULL,
  PRIMARY KEY (org_id, hold_id, record_id)
);
CREATE INDEX legal_hold_records_by_record ON legal_hold_records (org_id, record_id);
