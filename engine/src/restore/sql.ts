/**
 * Every SQL statement of restore's tables (restore_runs, restore_id_map, restore_results,
 * restore_inflight; see migrations/), one place to read them: runs.ts and ledger.ts run them.
 */

/** old id → new id of every record restored into a target org from a source org. */
export const ID_MAP = 'SELECT old_id, new_id FROM restore_id_map WHERE org_id = $1 AND source_org_id = $2';

/** The ids restores created (of any source org) among an object's records in a target org. */
export const MAPPED_IDS = 'SELECT new_id FROM restore_id_map WHERE org_id = $1 AND object = $2';

/** Notes a create about to be sent (its rows sealed). */
export const INSERT_INFLIGHT = `INSERT INTO restore_inflight (org_id, source_org_id, run_id, object, sf_job_id, old_ids, csv_sealed)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id::text`;

/** A target's notes left in flight; with a run id, only those that run may settle (its own, and those of runs no process is running). */
export const INFLIGHT = `SELECT i.id::text, i.run_id::text, i.object, i.sf_job_id, i.sent_at, i.old_ids, i.csv, i.csv_sealed
         FROM restore_inflight i LEFT JOIN restore_runs r ON r.org_id = i.source_org_id AND r.id = i.run_id
        WHERE i.org_id = $1 AND i.source_org_id = $2
          AND ($3::uuid IS NULL OR i.run_id = $3::uuid OR r.status IS DISTINCT FROM 'running'
               OR r.heartbeat_at IS NULL OR r.heartbeat_at < now() - make_interval(secs => $4::double precision / 1000))
        ORDER BY i.id`;

/** Removes the note of a call whose outcome is recorded. */
export const DELETE_INFLIGHT = 'DELETE FROM restore_inflight WHERE org_id = $1 AND id = $2';

/** The ids a call created, into the id map. */
export const MAP_CREATED = `INSERT INTO restore_id_map (org_id, source_org_id, object, old_id, new_id, run_id)
           SELECT $1, $2, o, a, b, $3 FROM unnest($4::text[], $5::text[], $6::text[]) AS t(o, a, b)
           ON CONFLICT (org_id, source_org_id, old_id) DO UPDATE SET new_id = EXCLUDED.new_id, run_id = EXCLUDED.run_id`;

/** A call's per-record results. */
export const INSERT_RESULTS = `INSERT INTO restore_results (org_id, run_id, object, operation, old_id, new_id, success, error)
         SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[], $8::text[])`;

/** Extra old→new pairs learnt after a create. */
export const MAP_IDS = `INSERT INTO restore_id_map (org_id, source_org_id, object, old_id, new_id, run_id)
       SELECT $1, $2, $3, a, b, $4 FROM unnest($5::text[], $6::text[]) AS t(a, b)
       ON CONFLICT (org_id, source_org_id, old_id) DO UPDATE SET new_id = EXCLUDED.new_id`;

/** A run's results in the order they came. */
export const RESULTS =
  'SELECT object, operation, old_id, new_id, success, error FROM restore_results WHERE org_id = $1 AND run_id = $2 ORDER BY seq';

/** Wakes the restore workers of every engine process when a run is queued. */
export const RESTORE_CHANNEL = 'orgvault_restore_runs';
export const NOTIFY_RUNS = `NOTIFY ${RESTORE_CHANNEL}`;

/** A new run, queued, or claimed at once by the worker id in $10. */
export const INSERT_RUN = `INSERT INTO restore_runs (org_id, id, target_org_id, mode, at, objects, request, status, created_by, worker_id, heartbeat_at, started_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CASE WHEN $10::text IS NULL THEN NULL ELSE now() END, CASE WHEN $10::text IS NULL THEN NULL ELSE now() END)
       RETURNING *`;

/** Claims the oldest queued run, or a running one whose heartbeat is stale (only run $3 when given). */
export const CLAIM_RUN = `UPDATE restore_runs r SET status = 'running', worker_id = $1, heartbeat_at = now(), started_at = coalesce(r.started_at, now())
        WHERE (r.org_id, r.id) = (
          SELECT org_id, id FROM restore_runs
           WHERE (status = 'queued'
              OR (status = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < now() - make_interval(secs => $2::double precision / 1000))))
             AND ($3::uuid IS NULL OR id = $3::uuid)
           ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT 1)
        RETURNING r.*`;

/** A run's heartbeat, by the worker that holds it. */
export const BEAT = 'UPDATE restore_runs SET heartbeat_at = now() WHERE org_id = $1 AND id = $2 AND worker_id = $3';

/** A run's progress (and its plan, once made). */
export const PROGRESS = 'UPDATE restore_runs SET progress = $3, summary = coalesce($4, summary) WHERE org_id = $1 AND id = $2';

/** A run's end: status, counts, error. */
export const FINISH_RUN = `UPDATE restore_runs SET status = $3, summary = $4, error = $5, finished_at = now(), worker_id = NULL WHERE org_id = $1 AND id = $2`;

/** One run of an org's backup. */
export const GET_RUN = 'SELECT * FROM restore_runs WHERE org_id = $1 AND id::text = $2';

/** An org's runs, newest first. */
export const LIST_RUNS = 'SELECT * FROM restore_runs WHERE org_id = $1 ORDER BY created_at DESC LIMIT $2';
