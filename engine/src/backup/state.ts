import { withTransaction, type Pool, type Queryable } from '../infra/db.js';
import {
  ADD_JOB_CALLS,
  OBJECT_DAYS_LOCK,
  REFRESH_OBJECT_DAYS,
  ENSURE_PASSES,
  LIST_PASSES,
  MARK_OBJECT_FAILED,
  OBJECT_STATES,
  RECORD_PROGRESS,
  ROLL_UP_JOB,
  SAVE_OBJECT_STATE,
  SET_PASS_STATUS,
} from './sql.js';

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
  }>(OBJECT_STATES, [orgId]);
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
  await pool.query(SAVE_OBJECT_STATE, [
    orgId,
    s.object,
    s.fullCycleId ?? null,
    s.watermark,
    s.reconciledAt ?? null,
    s.status,
    s.changes ?? null,
  ]);
}

export async function markObjectFailed(pool: Pool, orgId: string, object: string): Promise<void> {
  await pool.query(MARK_OBJECT_FAILED, [orgId, object]);
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
    await pool.query(ENSURE_PASSES, [orgId, jobId, passes.map((p) => p.object), passes.map((p) => p.pass)]);
  }
  const { rows } = await pool.query<PassRow>(LIST_PASSES, [orgId, jobId]);
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
  /** Stored bytes of the files it added (migration 0220). */
  fileBytes?: number;
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
  await pool.query(RECORD_PROGRESS, [
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
    progress.fileBytes ?? 0,
  ]);
}

export async function setPassStatus(
  pool: Pool,
  orgId: string,
  jobId: string,
  object: string,
  status: PassRow['status'],
  error: string | null = null,
): Promise<void> {
  await pool.query(SET_PASS_STATUS, [orgId, jobId, object, status, error]);
}

/** Adds API calls the job spent outside its passes (scope discovery, budget checks). */
export async function recordJobCalls(pool: Pool, orgId: string, jobId: string, calls: number): Promise<void> {
  if (calls > 0) await pool.query(ADD_JOB_CALLS, [orgId, jobId, calls]);
}

/**
 * Job totals are the sum of its passes, plus the calls it spent outside them; `apiLimit`, the
 * org's daily allowance as last reported, is kept when given. The monitor's day rows of its
 * objects follow in the same transaction, so the series' days and objects always agree.
 */
export async function rollUpJob(pool: Pool, orgId: string, jobId: string, apiLimit?: number): Promise<void> {
  await withTransaction(pool, async (tx) => {
    await tx.query(OBJECT_DAYS_LOCK, [orgId]);
    await tx.query(ROLL_UP_JOB, [orgId, jobId, apiLimit ?? null]);
    await tx.query(REFRESH_OBJECT_DAYS, [orgId, jobId]);
  });
}
