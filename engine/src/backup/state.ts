import type { Pool, Queryable } from '../infra/db.js';

/** What the engine remembers of an object between jobs (table backup_object_state). */
export interface ObjectState {
  object: string;
  fullCycleId: string | null;
  watermark: Date | null;
  lastReconciledAt: Date | null;
  /** Records the last incremental pass read (null before the first). */
  lastChanges: number | null;
}

export async function objectStates(pool: Pool, orgId: string): Promise<Map<string, ObjectState>> {
  const { rows } = await pool.query<{
    object: string;
    full_cycle_id: string | null;
    watermark: Date | null;
    last_reconciled_at: Date | null;
    last_changes: string | null;
  }>('SELECT object, full_cycle_id, watermark, last_reconciled_at, last_changes FROM backup_object_state WHERE org_id = $1', [orgId]);
  return new Map(
    rows.map((r) => [
      r.object,
      {
        object: r.object,
        fullCycleId: r.full_cycle_id,
        watermark: r.watermark,
        lastReconciledAt: r.last_reconciled_at,
        lastChanges: r.last_changes === null ? null : Number(r.last_changes),
      },
    ]),
  );
}

/** Advances an object's state after a successful pass; never moves the watermark back. */
export async function saveObjectState(
  pool: Pool,
  orgId: string,
  s: { object: string; fullCycleId?: string; watermark: Date; reconciledAt?: Date; changes?: number; status: string },
): Promise<void> {
  await pool.query(
    `INSERT INTO backup_object_state (org_id, object, full_cycle_id, watermark, last_reconciled_at, last_status, last_changes)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (org_id, object) DO UPDATE SET
       full_cycle_id = coalesce($3, backup_object_state.full_cycle_id),
       watermark = greatest(backup_object_state.watermark, $4),
       last_reconciled_at = coalesce($5, backup_object_state.last_reconciled_at),
       last_status = $6,
       last_changes = coalesce($7, backup_object_state.last_changes)`,
    [orgId, s.object, s.fullCycleId ?? null, s.watermark, s.reconciledAt ?? null, s.status, s.changes ?? null],
  );
}

export async function markObjectFailed(pool: Pool, orgId: string, object: string): Promise<void> {
  await pool.query(
    `INSERT INTO backup_object_state (org_id, object, last_status) VALUES ($1, $2, 'failed')
     ON CONFLICT (org_id, object) DO UPDATE SET last_status = 'failed'`,
    [orgId, object],
  );
}

export type PassKind = 'full' | 'incremental' | 'as_of';

export interface PassRow {
  object: string;
  pass: PassKind;
  status: 'pending' | 'running' | 'succeeded' | 'failed';
  attempts: number;
  checkpoint: PassCheckpoint | null;
}

/** Where an interrupted pass resumes: the window it covers and how far its reader got. */
export interface PassCheckpoint {
  /** Start of the pass's window (incremental) — records changed at or after it are read. */
  from?: string;
  /** When the pass began: the object's next watermark once it succeeds. */
  startedAt: string;
  /**
   * Bulk 2.0: the query job and the locator of the next page still to store, and a digest of the
   * query it runs (a job of another query is not resumed).
   */
  bulk?: { jobId: string; locator: string | null; query?: string };
  /** REST: the nextRecordsUrl of the next page still to store. */
  rest?: { next: string | null };
  /** The record pages are stored; what remains is deletions / files / reconciliation. */
  recordsDone?: boolean;
}

export async function ensurePasses(
  pool: Pool,
  orgId: string,
  jobId: string,
  passes: Array<{ object: string; pass: PassKind }>,
): Promise<PassRow[]> {
  if (passes.length > 0) {
    await pool.query(
      `INSERT INTO backup_job_objects (org_id, job_id, object, pass, status)
       SELECT $1, $2, o, p, 'pending' FROM unnest($3::text[], $4::text[]) AS t(o, p)
       ON CONFLICT (org_id, job_id, object) DO NOTHING`,
      [orgId, jobId, passes.map((p) => p.object), passes.map((p) => p.pass)],
    );
  }
  const { rows } = await pool.query<PassRow>(
    'SELECT object, pass, status, attempts, checkpoint FROM backup_job_objects WHERE org_id = $1 AND job_id = $2 ORDER BY object',
    [orgId, jobId],
  );
  return rows;
}

export interface PassProgress {
  records?: number;
  deleted?: number;
  /** What the stored versions changed (the store's WriteResult). */
  inserted?: number;
  updated?: number;
  removed?: number;
  bytes?: number;
  files?: number;
  apiCalls?: number;
}

/** Adds progress and moves the checkpoint in one statement, after (or in the transaction of) the data it covers. */
export async function recordProgress(
  pool: Queryable,
  orgId: string,
  jobId: string,
  object: string,
  progress: PassProgress,
  checkpoint?: PassCheckpoint,
): Promise<void> {
  await pool.query(
    `UPDATE backup_job_objects SET records = records + $4, deleted = deleted + $5, bytes = bytes + $6, files = files + $7,
        api_calls = api_calls + $8, checkpoint = coalesce($9, checkpoint),
        inserted = inserted + $10, updated = updated + $11, removed = removed + $12
      WHERE org_id = $1 AND job_id = $2 AND object = $3`,
    [
      orgId,
      jobId,
      object,
      progress.records ?? 0,
      progress.deleted ?? 0,
      progress.bytes ?? 0,
      progress.files ?? 0,
      progress.apiCalls ?? 0,
      checkpoint ? JSON.stringify(checkpoint) : null,
      progress.inserted ?? 0,
      progress.updated ?? 0,
      progress.removed ?? 0,
    ],
  );
}

export async function setPassStatus(
  pool: Pool,
  orgId: string,
  jobId: string,
  object: string,
  status: PassRow['status'],
  error: string | null = null,
): Promise<void> {
  await pool.query(
    `UPDATE backup_job_objects SET status = $4, error = $5,
        attempts = attempts + CASE WHEN $4 = 'running' THEN 1 ELSE 0 END,
        started_at = CASE WHEN $4 = 'running' THEN coalesce(started_at, now()) ELSE started_at END,
        finished_at = CASE WHEN $4 IN ('succeeded', 'failed') THEN now() ELSE NULL END
      WHERE org_id = $1 AND job_id = $2 AND object = $3`,
    [orgId, jobId, object, status, error],
  );
}

/** Adds API calls the job spent outside its passes (scope discovery, budget checks). */
export async function recordJobCalls(pool: Pool, orgId: string, jobId: string, calls: number): Promise<void> {
  if (calls > 0)
    await pool.query('UPDATE backup_jobs SET scope_api_calls = scope_api_calls + $3 WHERE org_id = $1 AND id = $2', [orgId, jobId, calls]);
}

/**
 * Job totals are the sum of its passes, plus the calls it spent outside them; `apiLimit`, the
 * org's daily allowance as last reported, is kept when given.
 */
export async function rollUpJob(pool: Pool, orgId: string, jobId: string, apiLimit?: number): Promise<void> {
  await pool.query(
    `UPDATE backup_jobs j SET records = s.records, bytes = s.bytes, files = s.files, api_calls = s.api_calls + j.scope_api_calls,
        inserted = s.inserted, updated = s.updated, removed = s.removed, api_limit = coalesce($3, j.api_limit)
       FROM (SELECT coalesce(sum(records), 0) AS records, coalesce(sum(bytes), 0) AS bytes, coalesce(sum(files), 0) AS files,
                    coalesce(sum(api_calls), 0) AS api_calls, coalesce(sum(inserted), 0) AS inserted,
                    coalesce(sum(updated), 0) AS updated, coalesce(sum(removed), 0) AS removed
               FROM backup_job_objects WHERE org_id = $1 AND job_id = $2) s
      WHERE j.org_id = $1 AND j.id = $2`,
    [orgId, jobId, apiLimit ?? null],
  );
}
