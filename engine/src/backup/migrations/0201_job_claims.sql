-- Which worker runs a job. A worker claims a queued job, or one whose worker stopped beating
-- (crashed), with FOR UPDATE SKIP LOCKED, so two processes never run the same job.
ALTER TABLE backup_jobs ADD COLUMN worker_id text;
CREATE INDEX backup_jobs_claimable ON backup_jobs (status, heartbeat_at) WHERE status IN ('queued', 'running', 'paused');
