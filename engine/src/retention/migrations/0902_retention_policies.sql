-- Retention policies (Salesforce Backup & Recover's tiers): every version for keep_all_days, then
-- one per day for daily_weeks, per week for weekly_months, per month for monthly_years. A row
-- with org_id NULL is the tenant's default; no row at all keeps everything.
CREATE TABLE retention_policies (
  tenant_id      uuid NOT NULL,
  org_id         uuid,
  keep_all_days  integer NOT NULL CHECK (keep_all_days BETWEEN 0 AND 36500),
  daily_weeks    integer NOT NULL CHECK (daily_weeks BETWEEN 0 AND 5200),
  weekly_months  integer NOT NULL CHECK (weekly_months BETWEEN 0 AND 1200),
  monthly_years  integer NOT NULL CHECK (monthly_years BETWEEN 0 AND 100),
  updated_by     text,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CHECK (keep_all_days + daily_weeks + weekly_months + monthly_years > 0)
);
CREATE UNIQUE INDEX retention_policies_tenant ON retention_policies (tenant_id) WHERE org_id IS NULL;
CREATE UNIQUE INDEX retention_policies_org ON retention_policies (tenant_id, org_id) WHERE org_id IS NOT NULL;

-- One prune of an org at a time; the run row keeps the time and policy it prunes to, so a run
-- killed part way is finished by the next with the same result.
CREATE TABLE prune_runs (
  org_id            uuid NOT NULL,
  id                uuid NOT NULL,
  tenant_id         uuid NOT NULL,
  cutoff            timestamptz NOT NULL,
  policy            jsonb NOT NULL,
  phase             text NOT NULL CHECK (phase IN ('versions', 'files', 'done')),
  started_by        text,
  started_at        timestamptz NOT NULL DEFAULT now(),
  finished_at       timestamptz,
  versions_removed  bigint NOT NULL DEFAULT 0,
  packs_rewritten   integer NOT NULL DEFAULT 0,
  packs_deleted     integer NOT NULL DEFAULT 0,
  bytes_before      bigint NOT NULL DEFAULT 0,
  bytes_after       bigint NOT NULL DEFAULT 0,
  refs_removed      bigint NOT NULL DEFAULT 0,
  files_deleted     integer NOT NULL DEFAULT 0,
  file_bytes        bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX prune_runs_one_open ON prune_runs (org_id) WHERE finished_at IS NULL;
