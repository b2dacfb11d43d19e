-- API calls a job spends outside its object passes (describeGlobal, one describe per object,
-- budget checks while paused): added to the passes' calls in backup_jobs.api_calls.
ALTER TABLE backup_jobs ADD COLUMN scope_api_calls bigint NOT NULL DEFAULT 0;
