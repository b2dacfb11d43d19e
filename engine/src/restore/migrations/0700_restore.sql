-- Restore runs, the durable old→new id map per target org, and per-record results.
CREATE TABLE restore_runs (
  org_id        text        NOT NULL,
  id            uuid        NOT NULL,
  target_org_id text        NOT NULL,
  mode          text        NOT NULL,
  at            timestamptz NOT NULL,
  objects       text[]      NOT NULL,
  status        text        NOT NULL,
  summary       jsonb,
  error         text,
  created_by    text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz,
  PRIMARY KEY (org_id, id)
);

-- A record re-created in a target org: later restores (and compare) look it up by its old id.
CREATE TABLE restore_id_map (
  org_id        text        NOT NULL, -- the target org
  source_org_id text        NOT NULL,
  object        text        NOT NULL,
  old_id        text        NOT NULL,
  new_id        text        NOT NULL,
  run_id        uuid        NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, source_org_id, old_id)
);
CREATE INDEX restore_id_map_new ON restore_id_map (org_id, new_id);

CREATE TABLE restore_results (
  org_id      text    NOT NULL, -- the target org
  run_id      uuid    NOT NULL,
  seq         bigserial,
  object      text    NOT NULL,
  operation   text    NOT NULL, -- create | update | relink
  old_id      text    NOT NULL,
  new_id      text,
  success     boolean NOT NULL,
  error       text,
  PRIMARY KEY (org_id, run_id, seq)
);
