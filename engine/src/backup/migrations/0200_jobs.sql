-- Backup cycles, jobs and per-object passes. Every table leads with org_id (distribution key).

CREATE TABLE backup_cycles (
  org_id            uuid NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
  id                uuid NOT NULL,
  started_at        timestamptz NOT NULL,
  ends_at           timestamptz NOT NULL,
  full_completed_at timestamptz,
  PRIMARY KEY (org_id, id)
);

CREATE TABLE backup_jobs (
  org_id       uuid NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
  id           uuid NOT NULL,
  cycle_id     uuid NOT NULL,
  -- full: first job of a cycle; incremental: changes since the last pass; catch_up: incremental
  -- passes for objects whose full pass is done while the cycle's long full job still runs;
  -- recovery_point: a job that records the org as of a requested time.
  kind         text NOT NULL CHECK (kind IN ('full', 'incremental', 'catch_up', 'recovery_point')),
  trigger      text NOT NULL CHECK (trigger IN ('scheduled', 'on_demand', 'recovery', 'fallback')),
  objects      text[],
  status       text NOT NULL CHECK (status IN ('queued', 'running', 'paused', 'succeeded', 'partial', 'failed', 'skipped')),
  reason       text,
  requested_by text,
  as_of        timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now(),
  started_at   timestamptz,
  finished_at  timestamptz,
  heartbeat_at timestamptz,
  records      bigint NOT NULL DEFAULT 0,
  bytes        bigint NOT NULL DEFAULT 0,
  files        bigint NOT NULL DEFAULT 0,
  api_calls    bigint NOT NULL DEFAULT 0,
  error        text,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, cycle_id) REFERENCES backup_cycles (org_id, id)
);
CREATE INDEX backup_jobs_recent ON backup_jobs (org_id, created_at DESC);
-- One active job per org and lane: the database, not a check-then-insert, is what keeps two
-- engine processes (or two clicks) from starting two jobs. Catch-up jobs have their own lane so
-- they can run beside a long full job.
CREATE UNIQUE INDEX backup_jobs_one_active ON backup_jobs (org_id, (kind = 'catch_up'))
  WHERE status IN ('queued', 'running', 'paused');

CREATE TABLE backup_job_objects (
  org_id      uuid NOT NULL,
  job_id      uuid NOT NULL,
  object      text NOT NULL,
  pass        text NOT NULL CHECK (pass IN ('full', 'incremental', 'as_of')),
  status      text NOT NULL CHECK (status IN ('pending', 'running', 'succeeded', 'failed')),
  records     bigint NOT NULL DEFAULT 0,
  deleted     bigint NOT NULL DEFAULT 0,
  bytes       bigint NOT NULL DEFAULT 0,
  files       bigint NOT NULL DEFAULT 0,
  api_calls   bigint NOT NULL DEFAULT 0,
  attempts    integer NOT NULL DEFAULT 0,
  -- Where to resume after a crash: Bulk job id and next locator, or REST locator, and the
  -- watermark range of the pass.
  checkpoint  jsonb,
  started_at  timestamptz,
  finished_at timestamptz,
  error       text,
  PRIMARY KEY (org_id, job_id, object),
  FOREIGN KEY (org_id, job_id) REFERENCES backup_jobs (org_id, id) ON DELETE CASCADE
);

-- What the engine knows of each object between jobs.
CREATE TABLE backup_object_state (
  org_id              uuid NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
  object              text NOT NULL,
  full_cycle_id       uuid,
  watermark           timestamptz,
  last_reconciled_at  timestamptz,
  last_status         text,
  PRIMARY KEY (org_id, object)
);
