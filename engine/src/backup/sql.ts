/**
 * Every statement on the tables backup/ owns (see migrations/): cycles, jobs (also the claim loop's
 * queue), their object passes with checkpoints, and what is remembered of each object between jobs.
 */

/** The cycle in force at $2. */
export const CURRENT_CYCLE = `SELECT id, started_at, ends_at, full_completed_at FROM backup_cycles
  WHERE org_id = $1 AND ends_at > $2 ORDER BY started_at DESC LIMIT 1`;

export const INSERT_CYCLE = 'INSERT INTO backup_cycles (org_id, id, started_at, ends_at) VALUES ($1, $2, $3, $4)';

export const ACTIVE_JOB_KINDS = `SELECT id, kind FROM backup_jobs WHERE org_id = $1 AND status = ANY($2)`;

export const INSERT_QUEUED_JOB = `INSERT INTO backup_jobs (org_id, id, cycle_id, kind, trigger, objects, status, requested_by, as_of, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $8, $9) RETURNING *`;

/** Wakes the workers (BackupWorker listens) once the transaction commits. */
export const NOTIFY_JOB = `SELECT pg_notify('orgvault_backup_jobs', $1)`;

export const INSERT_SKIPPED_JOB = `INSERT INTO backup_jobs (org_id, id, cycle_id, kind, trigger, status, reason, created_at, finished_at)
  VALUES ($1, $2, $3, $4, $5, 'skipped', $6, $7, $7) RETURNING *`;

export const GET_JOB = 'SELECT * FROM backup_jobs WHERE org_id = $1 AND id = $2';

/** Newest first, created before $3 when given. */
export const LIST_JOBS =
  'SELECT * FROM backup_jobs WHERE org_id = $1 AND ($3::timestamptz IS NULL OR created_at < $3) ORDER BY created_at DESC LIMIT $2';

/** When the org's first backup with data finished: the earliest time its backups can be read as of. */
export const FIRST_BACKUP_AT = `SELECT min(finished_at) AS at FROM backup_jobs
  WHERE org_id = $1 AND kind <> 'recovery_point' AND status IN ('succeeded', 'partial')`;

export const ACTIVE_JOBS = 'SELECT * FROM backup_jobs WHERE org_id = $1 AND status = ANY($2) ORDER BY created_at';

export const JOB_OBJECTS = `SELECT object, pass, status, records, deleted, bytes, files, file_bytes, api_calls, inserted, updated, removed, attempts, checkpoint,
       started_at, finished_at, error
  FROM backup_job_objects WHERE org_id = $1 AND job_id = $2 ORDER BY object`;

/** Jobs that count against the daily limit: not skipped, failed or catch-up. */
export const COUNTED_JOBS_SINCE = `SELECT count(*)::int AS n FROM backup_jobs
  WHERE org_id = $1 AND created_at >= $2 AND status NOT IN ('skipped', 'failed') AND kind <> 'catch_up'`;

export const MARK_CYCLE_FULL_COMPLETE =
  'UPDATE backup_cycles SET full_completed_at = $3 WHERE org_id = $1 AND id = $2 AND full_completed_at IS NULL';

export const SET_JOB_STATUS = `UPDATE backup_jobs SET status = $3,
    started_at = CASE WHEN $3 = 'running' THEN coalesce(started_at, $4) ELSE started_at END,
    finished_at = CASE WHEN $5 THEN $4 ELSE NULL END,
    heartbeat_at = $4,
    error = coalesce($6, error), reason = coalesce($7, reason)
  WHERE org_id = $1 AND id = $2`;

/** Jobs and API calls per UTC day of the $3 days up to $2, days without jobs included. */
export const API_USAGE = `SELECT to_char(d.day, 'YYYY-MM-DD') AS day, count(j.id)::int AS jobs, coalesce(sum(j.api_calls), 0) AS api_calls
   FROM generate_series(date_trunc('day', $2::timestamptz AT TIME ZONE 'UTC') - make_interval(days => $3 - 1),
                        date_trunc('day', $2::timestamptz AT TIME ZONE 'UTC'), interval '1 day') AS d(day)
   LEFT JOIN backup_jobs j ON j.org_id = $1 AND date_trunc('day', j.created_at AT TIME ZONE 'UTC') = d.day
  GROUP BY d.day ORDER BY d.day`;

export const OBJECT_STATES =
  'SELECT object, full_cycle_id, watermark, last_reconciled_at, last_changes FROM backup_object_state WHERE org_id = $1';

/** Never moves the watermark back; null fields keep what was stored. */
export const SAVE_OBJECT_STATE = `INSERT INTO backup_object_state (org_id, object, full_cycle_id, watermark, last_reconciled_at, last_status, last_changes)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
  ON CONFLICT (org_id, object) DO UPDATE SET
    full_cycle_id = coalesce($3, backup_object_state.full_cycle_id),
    watermark = greatest(backup_object_state.watermark, $4),
    last_reconciled_at = coalesce($5, backup_object_state.last_reconciled_at),
    last_status = $6,
    last_changes = coalesce($7, backup_object_state.last_changes)`;

export const MARK_OBJECT_FAILED = `INSERT INTO backup_object_state (org_id, object, last_status) VALUES ($1, $2, 'failed')
  ON CONFLICT (org_id, object) DO UPDATE SET last_status = 'failed'`;

export const ENSURE_PASSES = `INSERT INTO backup_job_objects (org_id, job_id, object, pass, status)
  SELECT $1, $2, o, p, 'pending' FROM unnest($3::text[], $4::text[]) AS t(o, p)
  ON CONFLICT (org_id, job_id, object) DO NOTHING`;

export const LIST_PASSES =
  'SELECT object, pass, status, attempts, checkpoint FROM backup_job_objects WHERE org_id = $1 AND job_id = $2 ORDER BY object';

/** Adds progress (with $10-$12, what the versions changed: migration 0210; $13 file bytes: 0220) and moves the checkpoint (kept when $9 is null). */
export const RECORD_PROGRESS = `UPDATE backup_job_objects SET records = records + $4, deleted = deleted + $5, bytes = bytes + $6, files = files + $7,
    api_calls = api_calls + $8, checkpoint = coalesce($9, checkpoint),
    inserted = inserted + $10, updated = updated + $11, removed = removed + $12, file_bytes = file_bytes + $13
  WHERE org_id = $1 AND job_id = $2 AND object = $3`;

export const SET_PASS_STATUS = `UPDATE backup_job_objects SET status = $4, error = $5,
    attempts = attempts + CASE WHEN $4 = 'running' THEN 1 ELSE 0 END,
    started_at = CASE WHEN $4 = 'running' THEN coalesce(started_at, now()) ELSE started_at END,
    finished_at = CASE WHEN $4 IN ('succeeded', 'failed') THEN now() ELSE NULL END
  WHERE org_id = $1 AND job_id = $2 AND object = $3`;

export const ADD_JOB_CALLS = 'UPDATE backup_jobs SET scope_api_calls = scope_api_calls + $3 WHERE org_id = $1 AND id = $2';

/** A job's totals: the sum of its passes plus the calls spent outside them; the daily API allowance $3 when given. */
export const ROLL_UP_JOB = `UPDATE backup_jobs j SET records = s.records, bytes = s.bytes, files = s.files, api_calls = s.api_calls + j.scope_api_calls,
    inserted = s.inserted, updated = s.updated, removed = s.removed, file_bytes = s.file_bytes, api_limit = coalesce($3, j.api_limit)
   FROM (SELECT coalesce(sum(records), 0) AS records, coalesce(sum(bytes), 0) AS bytes, coalesce(sum(files), 0) AS files,
                coalesce(sum(api_calls), 0) AS api_calls, coalesce(sum(inserted), 0) AS inserted,
                coalesce(sum(updated), 0) AS updated, coalesce(sum(removed), 0) AS removed, coalesce(sum(file_bytes), 0) AS file_bytes
           FROM backup_job_objects WHERE org_id = $1 AND job_id = $2) s
  WHERE j.org_id = $1 AND j.id = $2`;

/** Claims the oldest queued job, or one whose heartbeat is older than $2 ms; SKIP LOCKED makes the claim atomic across processes. */
export const CLAIM_JOB = `UPDATE backup_jobs j SET status = 'running', worker_id = $1, heartbeat_at = now(), started_at = coalesce(j.started_at, now())
  WHERE (j.org_id, j.id) = (
    SELECT org_id, id FROM backup_jobs
     WHERE status = 'queued'
        OR (status IN ('running', 'paused') AND (heartbeat_at IS NULL OR heartbeat_at < now() - make_interval(secs => $2::double precision / 1000)))
     ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT 1)
  RETURNING j.*`;

export const RELEASE_JOBS = `UPDATE backup_jobs SET heartbeat_at = NULL WHERE worker_id = $1 AND status IN ('running', 'paused')`;

export const BEAT = 'UPDATE backup_jobs SET heartbeat_at = now() WHERE org_id = $1 AND id = $2 AND worker_id = $3';

/** One pass of a job: its status and checkpoint. */
export const GET_PASS = 'SELECT status, checkpoint FROM backup_job_objects WHERE org_id = $1 AND job_id = $2 AND object = $3';

// ---------------------------------------------------------------- the monitor (monitor.ts)
// Records protected is the running sum of inserted - removed over an org's passes (migration
// 0210), files and bytes the running sums of what each job stored (bytes: record packs and files,
// 0220); recovery points store nothing and skipped jobs never ran, so the series leave both out.

/** Jobs that stored data, of org $1 (columns of alias `a`, when given). */
const backups = (a = '') => `${a}org_id = $1 AND ${a}status <> 'skipped' AND ${a}kind <> 'recovery_point'`;

/** Jobs $2 (ids) of org $1 with the org's totals as of each (all jobs up to it, in queue order). */
export const JOB_FIGURES = `SELECT id, protected, files_total, bytes_total
  FROM (SELECT id, sum(inserted - removed) OVER w AS protected, sum(files) OVER w AS files_total, sum(bytes + file_bytes) OVER w AS bytes_total
          FROM backup_jobs WHERE org_id = $1
        WINDOW w AS (ORDER BY created_at, id)) t
 WHERE id = ANY($2::uuid[])`;

/** The failed objects of jobs $2 (ids) of org $1, with their errors. */
export const FAILED_OBJECTS = `SELECT job_id, object, error FROM backup_job_objects
 WHERE org_id = $1 AND job_id = ANY($2::uuid[]) AND status = 'failed' ORDER BY job_id, object`;

/** Per object of job $2 of org $1: the object's totals over every job up to and including it. */
export const OBJECT_TOTALS = `SELECT o.object, sum(o.inserted - o.removed) AS protected, sum(o.files) AS files_total,
       sum(o.bytes + o.file_bytes) AS bytes_total
  FROM backup_job_objects o JOIN backup_jobs j ON j.org_id = o.org_id AND j.id = o.job_id
 WHERE o.org_id = $1
   AND (j.created_at, j.id) <= (SELECT created_at, id FROM backup_jobs WHERE org_id = $1 AND id = $2)
   AND o.object IN (SELECT object FROM backup_job_objects WHERE org_id = $1 AND job_id = $2)
 GROUP BY o.object`;

/** UTC day $2 (a date) and the $3 days from it: the window of the series. */
const inWindow = (a = '') => `${a}created_at >= $2::date AT TIME ZONE 'UTC' AND ${a}created_at < ($2::date + $3::int) AT TIME ZONE 'UTC'`;

/**
 * One row per UTC day of the window, days without jobs included: the day's jobs and what they
 * did, and the org's totals at the day's end (running sums from everything before the window).
 */
export const DAILY_SERIES = `WITH days AS (SELECT ($2::date + i) AS day FROM generate_series(0, $3::int - 1) i),
before AS (SELECT coalesce(sum(inserted - removed), 0) AS protected, coalesce(sum(files), 0) AS files, coalesce(sum(bytes + file_bytes), 0) AS bytes
             FROM backup_jobs WHERE ${backups()} AND created_at < $2::date AT TIME ZONE 'UTC'),
per AS (SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS jobs,
               count(*) FILTER (WHERE status IN ('failed', 'partial')) AS failed_jobs,
               sum(inserted) AS inserted, sum(updated) AS updated, sum(removed) AS removed, sum(files) AS files,
               sum(bytes + file_bytes) AS bytes, sum(api_calls) AS api_calls, max(api_limit) AS api_limit,
               max((extract(epoch FROM finished_at - started_at) * 1000)::bigint) AS duration_ms
          FROM backup_jobs WHERE ${backups()} AND ${inWindow()}
         GROUP BY 1)
SELECT to_char(days.day, 'YYYY-MM-DD') AS day, coalesce(per.jobs, 0)::int AS jobs, coalesce(per.failed_jobs, 0)::int AS failed_jobs,
       coalesce(per.inserted, 0) AS inserted, coalesce(per.updated, 0) AS updated, coalesce(per.removed, 0) AS removed,
       coalesce(per.files, 0) AS files, coalesce(per.bytes, 0) AS bytes, coalesce(per.api_calls, 0) AS api_calls,
       per.api_limit, per.duration_ms,
       before.protected + sum(coalesce(per.inserted - per.removed, 0)) OVER w AS protected,
       before.files + sum(coalesce(per.files, 0)) OVER w AS files_total,
       before.bytes + sum(coalesce(per.bytes, 0)) OVER w AS bytes_total
  FROM days LEFT JOIN per ON per.day = days.day CROSS JOIN before
WINDOW w AS (ORDER BY days.day)
 ORDER BY days.day`;

/**
 * The changes of the objects the stacked chart names, per UTC day of the window (days without any
 * left out), most changed first: every object when at most $4 changed, else the $4 - 1 with the
 * most changes, and \`others\` says the rest are summed as one. Each object's changes in the window
 * are two reads of its running total (backup_object_days, migration 0221); the objects are found
 * by skipping through the primary key, one probe each (PostgreSQL has no loose index scan).
 */
export const CHANGES_BY_OBJECT = `WITH RECURSIVE objects AS (
  (SELECT object FROM backup_object_days WHERE org_id = $1 ORDER BY object LIMIT 1)
  UNION ALL
  SELECT (SELECT d.object FROM backup_object_days d WHERE d.org_id = $1 AND d.object > objects.object ORDER BY d.object LIMIT 1)
    FROM objects WHERE objects.object IS NOT NULL),
ranked AS (SELECT object, row_number() OVER (ORDER BY changes DESC, object) AS rank, count(*) OVER () AS ranked
  FROM (SELECT o.object,
               coalesce((SELECT changes_through FROM backup_object_days WHERE org_id = $1 AND object = o.object AND day < $2::date + $3::int
                          ORDER BY day DESC LIMIT 1), 0)
             - coalesce((SELECT changes_through FROM backup_object_days WHERE org_id = $1 AND object = o.object AND day < $2::date
                          ORDER BY day DESC LIMIT 1), 0) AS changes
          FROM objects o WHERE o.object IS NOT NULL) t
 WHERE changes > 0)
SELECT r.object, r.ranked > $4 AS others, to_char(d.day, 'YYYY-MM-DD') AS day, d.inserted, d.updated, d.removed
  FROM ranked r JOIN backup_object_days d ON d.org_id = $1 AND d.object = r.object AND d.day >= $2::date AND d.day < $2::date + $3::int
 WHERE r.ranked <= $4 OR r.rank < $4
 ORDER BY r.rank, d.day`;

/**
 * Brings org $1's day rows up to date with job $2's passes (each of its objects on its day,
 * recounted over every job of that day) and moves the running totals of later days by the
 * difference. Callers hold OBJECT_DAYS_LOCK: two jobs of one org settle one after the other.
 */
export const REFRESH_OBJECT_DAYS = `WITH job AS (
  SELECT (created_at AT TIME ZONE 'UTC')::date AS day FROM backup_jobs WHERE ${backups()} AND id = $2),
fresh AS (SELECT o.object, job.day, sum(o.inserted) AS inserted, sum(o.updated) AS updated, sum(o.removed) AS removed
  FROM job JOIN backup_jobs j ON ${backups('j.')} AND j.created_at >= job.day AT TIME ZONE 'UTC' AND j.created_at < (job.day + 1) AT TIME ZONE 'UTC'
  JOIN backup_job_objects o ON o.org_id = $1 AND o.job_id = j.id
 WHERE o.object IN (SELECT object FROM backup_job_objects WHERE org_id = $1 AND job_id = $2)
 GROUP BY o.object, job.day),
moved AS (SELECT f.*, f.inserted + f.updated + f.removed - coalesce(d.inserted + d.updated + d.removed, 0) AS delta
  FROM fresh f LEFT JOIN backup_object_days d ON d.org_id = $1 AND d.object = f.object AND d.day = f.day
 WHERE (f.inserted, f.updated, f.removed) IS DISTINCT FROM (d.inserted, d.updated, d.removed)
   AND (d.object IS NOT NULL OR f.inserted + f.updated + f.removed > 0)),
upserted AS (INSERT INTO backup_object_days (org_id, object, day, inserted, updated, removed, changes_through)
  SELECT $1, m.object, m.day, m.inserted, m.updated, m.removed, m.inserted + m.updated + m.removed
       + coalesce((SELECT p.changes_through FROM backup_object_days p WHERE p.org_id = $1 AND p.object = m.object AND p.day < m.day
                    ORDER BY p.day DESC LIMIT 1), 0)
    FROM moved m
  ON CONFLICT (org_id, object, day) DO UPDATE SET inserted = EXCLUDED.inserted, updated = EXCLUDED.updated, removed = EXCLUDED.removed,
    changes_through = EXCLUDED.changes_through)
UPDATE backup_object_days d SET changes_through = d.changes_through + m.delta
  FROM moved m WHERE d.org_id = $1 AND d.object = m.object AND d.day > m.day AND m.delta <> 0`;

/** One refresher of an org's day rows at a time (their running totals build on each other). */
export const OBJECT_DAYS_LOCK = "SELECT pg_advisory_xact_lock(hashtext('orgvault_object_days'), hashtext($1::text))";

/** Samples continuous protection's coverage $2 of org $1 (one row per 5 minutes); drops samples over a week old. */
export const SAMPLE_COVERAGE = `WITH old AS (DELETE FROM backup_coverage_samples WHERE org_id = $1 AND bucket < $2::timestamptz - interval '7 days')
INSERT INTO backup_coverage_samples (org_id, bucket, covered_until)
VALUES ($1, to_timestamp(floor(extract(epoch FROM $2::timestamptz) / 300) * 300), $2)
ON CONFLICT (org_id, bucket) DO UPDATE SET covered_until = greatest(backup_coverage_samples.covered_until, EXCLUDED.covered_until)`;

/**
 * Every $3 minutes over the day up to $2 (on the $3-minute marks, the one a day before left out): the newest restorable point
 * then, the later of the last backup that had finished (succeeded or partial) and the coverage
 * continuous protection had sampled. A bucket holds its newest sample, so the bucket a mark falls
 * in may hold coverage the mark had not yet seen: the one before it answers then.
 */
export const NEWEST_POINTS = `SELECT m.at, greatest(
    (SELECT max(c.covered_until) FROM (SELECT covered_until FROM backup_coverage_samples
                                        WHERE org_id = $1 AND bucket <= m.at ORDER BY bucket DESC LIMIT 2) c
      WHERE c.covered_until <= m.at),
    (SELECT max(finished_at) FROM backup_jobs WHERE ${backups()} AND status IN ('succeeded', 'partial') AND finished_at <= m.at)) AS newest
  FROM generate_series(to_timestamp(floor(extract(epoch FROM $2::timestamptz) / ($3::int * 60)) * ($3::int * 60)) - interval '1 day'
                         + make_interval(mins => $3::int),
                       to_timestamp(floor(extract(epoch FROM $2::timestamptz) / ($3::int * 60)) * ($3::int * 60)),
                       make_interval(mins => $3::int)) AS m(at)
 ORDER BY m.at`;

/** The org's totals now, and its newest job that left a restorable state (succeeded or partial). */
export const PROTECTION_TOTALS = `SELECT coalesce(sum(inserted - removed), 0) AS protected, coalesce(sum(files), 0) AS files_total,
       coalesce(sum(bytes + file_bytes), 0) AS bytes_total,
       (SELECT max(finished_at) FROM backup_jobs WHERE ${backups()} AND status IN ('succeeded', 'partial')) AS newest_point
  FROM backup_jobs WHERE ${backups()}`;
