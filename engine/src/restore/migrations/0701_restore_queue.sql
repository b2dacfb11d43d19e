-- Restores are queued jobs. A worker claims a queued run, or a running one whose heartbeat went
-- stale (its process died), with FOR UPDATE SKIP LOCKED, so two engine processes never run the
-- same restore at once; the request is kept so any process can run (or resume) it.
ALTER TABLE restore_runs
  ADD COLUMN request      jsonb,
  ADD COLUMN worker_id    text,
  ADD COLUMN heartbeat_at timestamptz,
  ADD COLUMN started_at   timestamptz,
  ADD COLUMN progress     jsonb;
CREATE INDEX restore_runs_claimable ON restore_runs (status, heartbeat_at) WHERE status IN ('queued', 'running');

-- Creates sent to Salesforce whose outcome is not in the id map yet: written before the call (a
-- Bulk job: once it exists, before its data is uploaded), deleted in the transaction that maps
-- the created ids. A row left over after a crash is settled before the next restore into the
-- same org plans: the Bulk job's results are read again, or the records the integration user
-- created since `sent_at` are matched to the rows sent by their content.
CREATE TABLE restore_inflight (
  org_id        text        NOT NULL, -- the target org
  id            bigserial,
  source_org_id text        NOT NULL,
  run_id        uuid        NOT NULL,
  object        text        NOT NULL,
  sf_job_id     text,                 -- a Bulk ingest job; null for an sObject collections call
  sent_at       timestamptz NOT NULL DEFAULT now(),
  old_ids       text[]      NOT NULL, -- the backed-up id of each row, in row order
  csv           text        NOT NULL, -- the rows as sent, with a header line
  PRIMARY KEY (org_id, id)
);
