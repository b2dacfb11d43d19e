-- What each pass changed in the backup, as the store counted it when it wrote the versions:
-- records that became present (inserted), present records with a new version (updated), present
-- records now deleted (removed). Records protected after a job is the running sum of inserted -
-- removed over the org's passes, so no count of the store is needed to show it.
ALTER TABLE backup_job_objects
  ADD COLUMN inserted bigint NOT NULL DEFAULT 0,
  ADD COLUMN updated  bigint NOT NULL DEFAULT 0,
  ADD COLUMN removed  bigint NOT NULL DEFAULT 0;
ALTER TABLE backup_jobs
  ADD COLUMN inserted bigint NOT NULL DEFAULT 0,
  ADD COLUMN updated  bigint NOT NULL DEFAULT 0,
  ADD COLUMN removed  bigint NOT NULL DEFAULT 0,
  -- The org's daily API request allowance (DailyApiRequests Max) when the job ended: the share
  -- of it the job spent stays true after the allowance changes.
  ADD COLUMN api_limit bigint;
