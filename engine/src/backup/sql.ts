/**
 * The backup domain's SQL (tables of migrations/): the statements of the monitor (monitor.ts).
 * Records protected is the running sum of inserted - removed over an org's passes (migration
 * 0210), files and bytes the running sums of what each job stored; recovery points store nothing
 * and skipped jobs never ran, so the series leave both out.
 */

/** Jobs that stored data, of org $1 (columns of alias `a`, when given). */
const backups = (a = '') => `${a}org_id = $1 AND ${a}status <> 'skipped' AND ${a}kind <> 'recovery_point'`;

/** Jobs $2 (ids) of org $1 with the org's totals as of each (all jobs up to it, in queue order). */
export const JOB_FIGURES = `SELECT id, protected, files_total, bytes_total
  FROM (SELECT id, sum(inserted - removed) OVER w AS protected, sum(files) OVER w AS files_total, sum(bytes) OVER w AS bytes_total
          FROM backup_jobs WHERE org_id = $1
        WINDOW w AS (ORDER BY created_at, id)) t
 WHERE id = ANY($2::uuid[])`;

/** The failed objects of jobs $2 (ids) of org $1, with their errors. */
export const FAILED_OBJECTS = `SELECT job_id, object, error FROM backup_job_objects
 WHERE org_id = $1 AND job_id = ANY($2::uuid[]) AND status = 'failed' ORDER BY job_id, object`;

/** Per object of job $2 of org $1: the object's totals over every job up to and including it. */
export const OBJECT_TOTALS = `SELECT o.object, sum(o.inserted - o.removed) AS protected, sum(o.files) AS files_total, sum(o.bytes) AS bytes_total
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
before AS (SELECT coalesce(sum(inserted - removed), 0) AS protected, coalesce(sum(files), 0) AS files, coalesce(sum(bytes), 0) AS bytes
             FROM backup_jobs WHERE ${backups()} AND created_at < $2::date AT TIME ZONE 'UTC'),
per AS (SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS jobs,
               count(*) FILTER (WHERE status IN ('failed', 'partial')) AS failed_jobs,
               sum(inserted) AS inserted, sum(updated) AS updated, sum(removed) AS removed, sum(files) AS files,
               sum(bytes) AS bytes, sum(api_calls) AS api_calls, max(api_limit) AS api_limit,
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

/** Per object and UTC day of the window: the changes its passes stored (days without any left out). */
export const CHANGES_BY_OBJECT = `SELECT o.object, to_char((j.created_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day,
       sum(o.inserted) AS inserted, sum(o.updated) AS updated, sum(o.removed) AS removed
  FROM backup_jobs j JOIN backup_job_objects o ON o.org_id = j.org_id AND o.job_id = j.id
 WHERE ${backups('j.')} AND ${inWindow('j.')}
 GROUP BY 1, 2
HAVING sum(o.inserted) + sum(o.updated) + sum(o.removed) > 0`;

/** The org's totals now, and its newest job that left a restorable state (succeeded or partial). */
export const PROTECTION_TOTALS = `SELECT coalesce(sum(inserted - removed), 0) AS protected, coalesce(sum(files), 0) AS files_total,
       coalesce(sum(bytes), 0) AS bytes_total,
       (SELECT max(finished_at) FROM backup_jobs WHERE ${backups()} AND status IN ('succeeded', 'partial')) AS newest_point
  FROM backup_jobs WHERE ${backups()}`;
