-- Subscriptions: a type sets how many backup jobs an org may run in any 24 hours. Operators edit
-- this table to add or change types; the seed is a starting point.
CREATE TABLE subscription_types (
  code            text PRIMARY KEY,
  name            text NOT NULL,
  daily_job_limit integer NOT NULL CHECK (daily_job_limit BETWEEN 1 AND 96)
);
INSERT INTO subscription_types (code, name, daily_job_limit) VALUES
  ('essentials', 'Essentials', 1),
  ('professional', 'Professional', 4),
  ('enterprise', 'Enterprise', 24);

-- One subscription per tenant; a tenant without a row has the default (see subscriptions.ts).
CREATE TABLE subscriptions (
  tenant_id  uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  type       text NOT NULL REFERENCES subscription_types(code),
  expires_at timestamptz,
  seats      integer CHECK (seats >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Who receives permission-check reports.
CREATE TABLE tenant_admin_emails (
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  email     text NOT NULL,
  PRIMARY KEY (tenant_id, email)
);

CREATE TABLE backup_settings (
  org_id                 uuid PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
  enabled                boolean NOT NULL DEFAULT true,
  include_feed_and_share boolean NOT NULL DEFAULT false,
  excluded_objects       text[] NOT NULL DEFAULT '{}',
  excluded_fields        text[] NOT NULL DEFAULT '{}',
  jobs_per_day           integer NOT NULL DEFAULT 1 CHECK (jobs_per_day BETWEEN 1 AND 96),
  start_time             text CHECK (start_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  updated_at             timestamptz NOT NULL DEFAULT now()
);

-- One row per scheduled start that reached a decision: the primary key is what makes a slot run
-- once however many engine processes see it; skipped slots keep their reason.
CREATE TABLE backup_slots (
  org_id      uuid NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
  slot_at     timestamptz NOT NULL,
  decided_at  timestamptz NOT NULL,
  outcome     text NOT NULL CHECK (outcome IN ('claimed', 'started', 'skipped', 'failed')),
  reason_code text,
  reason      text,
  job_id      text,
  PRIMARY KEY (org_id, slot_at)
);

CREATE TABLE permission_check_settings (
  org_id     uuid PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
  enabled    boolean NOT NULL DEFAULT true,
  start_at   timestamptz,
  every      text NOT NULL DEFAULT 'P1M',
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- slot_at is set for scheduled runs only, and unique per org so a slot is checked once.
CREATE TABLE permission_reports (
  org_id      uuid NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
  id          uuid NOT NULL,
  trigger     text NOT NULL CHECK (trigger IN ('scheduled', 'on_demand')),
  slot_at     timestamptz,
  started_at  timestamptz NOT NULL,
  finished_at timestamptz,
  status      text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  error       text,
  report      jsonb,
  mail_status text CHECK (mail_status IN ('sent', 'failed', 'not_configured', 'no_recipients')),
  mail_error  text,
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, slot_at)
);
CREATE INDEX permission_reports_latest ON permission_reports (org_id, started_at DESC);
