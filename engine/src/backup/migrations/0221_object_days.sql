-- What each object changed per UTC day (the days of the jobs that stored data), and its running
-- total of changes through that day: the monitor's changes-by-object chart ranks a year of 200
-- objects from two reads per object instead of summing every pass. Kept by rollUpJob with the
-- job's own totals; days without a change have no row.
CREATE TABLE backup_object_days (
  org_id          uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  object          text NOT NULL,
  day             date NOT NULL,
  inserted        bigint NOT NULL,
  updated         bigint NOT NULL,
  removed         bigint NOT NULL,
  changes_through bigint NOT NULL,
  PRIMARY KEY (org_id, object, day)
);

INSERT INTO backup_object_days (org_id, object, day, inserted, updated, removed, changes_through)
SELECT org_id, object, day, inserted, updated, removed,
       sum(inserted + updated + removed) OVER (PARTITION BY org_id, object ORDER BY day)
  FROM (SELECT o.org_id, o.object, (j.created_at AT TIME ZONE 'UTC')::date AS day,
               sum(o.inserted) AS inserted, sum(o.updated) AS updated, sum(o.removed) AS removed
          FROM backup_jobs j JOIN backup_job_objects o ON o.org_id = j.org_id AND o.job_id = j.id
         WHERE j.status <> 'skipped' AND j.kind <> 'recovery_point'
         GROUP BY 1, 2, 3
        HAVING sum(o.inserted + o.updated + o.removed) > 0) s;
