-- Continuous data protection: per-org settings, the replay checkpoint per channel, and every
-- fall-back to a backup job (overflow, expired replay id, stream down too long).
CREATE TABLE cdp_settings (
  org_id      uuid PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
  enabled     boolean NOT NULL DEFAULT false,
  objects     text[] NOT NULL DEFAULT '{}',
  -- Per object: whether Change Data Capture is selected in the org, or why it could not be.
  selection   jsonb NOT NULL DEFAULT '{}',
  updated_at  timestamptz NOT NULL DEFAULT now(),
  updated_by  text
);

CREATE TABLE cdp_checkpoints (
  org_id          uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  channel         text NOT NULL,
  -- The last event whose effects are stored; null before the first event.
  replay_id       bigint,
  last_commit_at  timestamptz,
  -- Since when the stream has been followed without a break the events do not cover.
  covered_from    timestamptz NOT NULL,
  -- Everything committed before this time is stored (a keepalive found nothing outstanding).
  caught_up_at    timestamptz,
  events          bigint NOT NULL DEFAULT 0,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, channel)
);

CREATE TABLE cdp_fallbacks (
  org_id      uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  id          bigserial,
  at          timestamptz NOT NULL DEFAULT now(),
  reason      text NOT NULL CHECK (reason IN ('protection_on', 'gap_overflow', 'replay_expired', 'stream_down')),
  objects     text[] NOT NULL,
  job_id      uuid,
  detail      text,
  PRIMARY KEY (org_id, id)
);
