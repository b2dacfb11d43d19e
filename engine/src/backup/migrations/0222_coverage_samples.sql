-- How far continuous protection had stored an org's changes, sampled as its checkpoints move (the
-- cdp/ consumer's keepalives): the newest sample of each 5-minute bucket of covered_until. The
-- monitor draws the age of the newest restorable point over the last day from these and the
-- backup jobs' ends; samples older than a week are dropped as new ones come.
CREATE TABLE backup_coverage_samples (
  org_id        uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  bucket        timestamptz NOT NULL,
  covered_until timestamptz NOT NULL,
  PRIMARY KEY (org_id, bucket)
);
