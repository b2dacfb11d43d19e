-- Bytes of files (Azure blobs) each pass stored: content the store did not hold yet, as stored
-- (encrypted). With the record packs' bytes they make what a job added to the backup.
ALTER TABLE backup_job_objects ADD COLUMN file_bytes bigint NOT NULL DEFAULT 0;
ALTER TABLE backup_jobs ADD COLUMN file_bytes bigint NOT NULL DEFAULT 0;

-- Files stored before: each content's stored size goes to the backup pass that first referred to it.
UPDATE backup_job_objects o SET file_bytes = s.bytes
  FROM (SELECT f.org_id, f.job_id, f.object, sum(b.stored_size) AS bytes
          FROM blobs b
          JOIN LATERAL (SELECT r.org_id, r.job_id, r.object FROM blob_refs r
                         WHERE r.org_id = b.org_id AND r.content_hash = b.content_hash AND r.source = 'backup' AND r.job_id IS NOT NULL
                         ORDER BY r.created_at LIMIT 1) f ON true
         GROUP BY 1, 2, 3) s
 WHERE o.org_id = s.org_id AND o.job_id::text = s.job_id AND o.object = s.object;
UPDATE backup_jobs j SET file_bytes = s.bytes
  FROM (SELECT org_id, job_id, sum(file_bytes) AS bytes FROM backup_job_objects GROUP BY 1, 2 HAVING sum(file_bytes) > 0) s
 WHERE j.org_id = s.org_id AND j.id = s.job_id;
