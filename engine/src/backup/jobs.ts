import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from '../infra/db.js';
import { withTransaction } from '../infra/db.js';
import { OrgVaultError } from '../errors.js';
import { lockConnected } from '../orgs/facts.js';
import {
  ACTIVE_JOBS,
  ACTIVE_JOB_KINDS,
  API_USAGE,
  COUNTED_JOBS_SINCE,
  CURRENT_CYCLE,
  FIRST_BACKUP_AT,
  GET_JOB,
  INSERT_CYCLE,
  INSERT_QUEUED_JOB,
  INSERT_SKIPPED_JOB,
  JOB_OBJECTS,
  LIST_JOBS,
  MARK_CYCLE_FULL_COMPLETE,
  NOTIFY_JOB,
  SET_JOB_STATUS,
} from './sql.js';

export type JobKind = 'full' | 'incremental' | 'catch_up' | 'recovery_point';
export type JobTrigger = 'scheduled' | 'on_demand' | 'recovery' | 'fallback';
export type JobStatus = 'queued' | 'running' | 'paused' | 'succeeded' | 'partial' | 'failed' | 'skipped';
export const ACTIVE_STATUSES: JobStatus[] = ['queued', 'running', 'paused'];

/** A backup cycle lasts one year; its first job is full. */
export const CYCLE_LENGTH_MS = 365 * 24 * 3600 * 1000;

export interface Job {
  orgId: string;
  id: string;
  cycleId: string;
  kind: JobKind;
  trigger: JobTrigger;
  objects: string[] | null;
  status: JobStatus;
  reason: string | null;
  requestedBy: string | null;
  asOf: Date | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  records: number;
  bytes: number;
  files: number;
  /** Stored bytes of the files it added (bytes are its record packs'). */
  fileBytes: number;
  apiCalls: number;
  /** What its passes changed in the backup (see migration 0210). */
  inserted: number;
  updated: number;
  removed: number;
  /** The org's daily API allowance when the job ended; null before it ends or when not reported. */
  apiLimit: number | null;
  error: string | null;
}

export interface JobObject {
  object: string;
  pass: 'full' | 'incremental' | 'as_of';
  status: 'pending' | 'running' | 'succeeded' | 'failed';
  records: number;
  deleted: number;
  bytes: number;
  files: number;
  fileBytes: number;
  apiCalls: number;
  inserted: number;
  updated: number;
  removed: number;
  attempts: number;
  checkpoint: Record<string, unknown> | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  error: string | null;
}

export interface JobRow {
  org_id: string;
  id: string;
  cycle_id: string;
  kind: JobKind;
  trigger: JobTrigger;
  objects: string[] | null;
  status: JobStatus;
  reason: string | null;
  requested_by: string | null;
  as_of: Date | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  records: string;
  bytes: string;
  files: string;
  file_bytes: string;
  api_calls: string;
  inserted: string;
  updated: string;
  removed: string;
  api_limit: string | null;
  error: string | null;
}

export const toJob = (r: JobRow): Job => ({
  orgId: r.org_id,
  id: r.id,
  cycleId: r.cycle_id,
  kind: r.kind,
  trigger: r.trigger,
  objects: r.objects,
  status: r.status,
  reason: r.reason,
  requestedBy: r.requested_by,
  asOf: r.as_of,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  records: Number(r.records),
  bytes: Number(r.bytes),
  files: Number(r.files),
  fileBytes: Number(r.file_bytes),
  apiCalls: Number(r.api_calls),
  inserted: Number(r.inserted),
  updated: Number(r.updated),
  removed: Number(r.removed),
  apiLimit: r.api_limit === null ? null : Number(r.api_limit),
  error: r.error,
});

export interface Cycle {
  id: string;
  startedAt: Date;
  endsAt: Date;
  fullCompletedAt: Date | null;
}

/** The cycle in force at `now`, opening a new one when the last has ended (or none exists). */
async function currentCycle(client: PoolClient, orgId: string, now: Date): Promise<Cycle> {
  const { rows } = await client.query<{ id: string; started_at: Date; ends_at: Date; full_completed_at: Date | null }>(CURRENT_CYCLE, [
    orgId,
    now,
  ]);
  const row = rows[0];
  if (row) return { id: row.id, startedAt: row.started_at, endsAt: row.ends_at, fullCompletedAt: row.full_completed_at };
  const cycle: Cycle = { id: randomUUID(), startedAt: now, endsAt: new Date(now.getTime() + CYCLE_LENGTH_MS), fullCompletedAt: null };
  await client.query(INSERT_CYCLE, [orgId, cycle.id, cycle.startedAt, cycle.endsAt]);
  return cycle;
}

export interface OpenJobRequest {
  trigger: JobTrigger;
  /** Chosen objects; absent = every object in scope. */
  objects?: string[];
  requestedBy?: string;
  /** recovery_point jobs: the requested time. */
  asOf?: Date;
  now?: Date;
}

/**
 * Opens a job under the rules of the cycle. The org row is locked for the decision, and the
 * partial unique index on active jobs settles any race the lock does not cover (two processes,
 * two databases sessions): the loser gets JOB_RUNNING.
 */
export async function openJob(pool: Pool, orgId: string, req: OpenJobRequest): Promise<Job> {
  const now = req.now ?? new Date();
  return withTransaction(pool, async (client) => {
    if (!(await lockConnected(client, orgId))) throw new OrgVaultError('NOT_FOUND', 'No such organization');
    const cycle = await currentCycle(client, orgId, now);
    const active = await client.query<{ id: string; kind: JobKind }>(ACTIVE_JOB_KINDS, [orgId, ACTIVE_STATUSES]);
    const scoped = req.objects !== undefined && req.trigger !== 'recovery';
    let kind: JobKind;
    if (req.trigger === 'recovery') kind = 'recovery_point';
    else if (cycle.fullCompletedAt === null) {
      if (scoped) {
        throw new OrgVaultError(
          'FULL_BACKUP_REQUIRED',
          "Objects can be backed up on their own only after the cycle's full backup has finished",
          {
            actions: ['Back up all objects first, or wait for the running full backup to finish.'],
            details: { cycleId: cycle.id },
          },
        );
      }
      const fullRunning = active.rows.some((r) => r.kind === 'full');
      kind = fullRunning && req.trigger !== 'on_demand' ? 'catch_up' : 'full';
    } else kind = 'incremental';

    if (active.rows.length > 0 && kind !== 'catch_up') {
      throw new OrgVaultError('JOB_RUNNING', 'A backup job is already running for this organization', {
        actions: ['Wait for it to finish, then start another.'],
        details: { jobId: active.rows[0]!.id },
      });
    }
    const id = randomUUID();
    try {
      const { rows } = await client.query<JobRow>(INSERT_QUEUED_JOB, [
        orgId,
        id,
        cycle.id,
        kind,
        req.trigger,
        req.objects ?? null,
        req.requestedBy ?? null,
        req.asOf ?? null,
        now,
      ]);
      // Wakes the workers (BackupWorker listens) once this transaction commits.
      await client.query(NOTIFY_JOB, [id]);
      return toJob(rows[0]!);
    } catch (err) {
      if ((err as { code?: string }).code === '23505') {
        throw new OrgVaultError('JOB_RUNNING', 'A backup job is already running for this organization', {
          actions: ['Wait for it to finish, then start another.'],
        });
      }
      throw err;
    }
  });
}

/** A scheduled start that found a job running is kept as a skipped job, not queued behind it. */
export async function recordSkipped(pool: Pool, orgId: string, trigger: JobTrigger, reason: string, now = new Date()): Promise<Job> {
  return withTransaction(pool, async (client) => {
    const cycle = await currentCycle(client, orgId, now);
    const { rows } = await client.query<JobRow>(INSERT_SKIPPED_JOB, [
      orgId,
      randomUUID(),
      cycle.id,
      cycle.fullCompletedAt ? 'incremental' : 'full',
      trigger,
      reason,
      now,
    ]);
    return toJob(rows[0]!);
  });
}

export async function getJob(pool: Pool, orgId: string, jobId: string): Promise<Job> {
  const { rows } = await pool.query<JobRow>(GET_JOB, [orgId, jobId]);
  if (!rows[0]) throw new OrgVaultError('NOT_FOUND', 'No such job');
  return toJob(rows[0]);
}

export async function listJobs(pool: Pool, orgId: string, limit = 50, before?: Date): Promise<Job[]> {
  const { rows } = await pool.query<JobRow>(LIST_JOBS, [orgId, limit, before ?? null]);
  return rows.map(toJob);
}

/** When the org's first backup that stored data finished; null before any did. */
export async function firstBackupAt(pool: Pool, orgId: string): Promise<Date | null> {
  const { rows } = await pool.query<{ at: Date | null }>(FIRST_BACKUP_AT, [orgId]);
  return rows[0]?.at ?? null;
}

export async function activeJobs(pool: Pool, orgId: string): Promise<Job[]> {
  const { rows } = await pool.query<JobRow>(ACTIVE_JOBS, [orgId, ACTIVE_STATUSES]);
  return rows.map(toJob);
}

export async function jobObjects(pool: Pool, orgId: string, jobId: string): Promise<JobObject[]> {
  const { rows } = await pool.query(JOB_OBJECTS, [orgId, jobId]);
  return rows.map((r) => ({
    object: r.object,
    pass: r.pass,
    status: r.status,
    records: Number(r.records),
    deleted: Number(r.deleted),
    bytes: Number(r.bytes),
    files: Number(r.files),
    fileBytes: Number(r.file_bytes),
    apiCalls: Number(r.api_calls),
    inserted: Number(r.inserted),
    updated: Number(r.updated),
    removed: Number(r.removed),
    attempts: r.attempts,
    checkpoint: r.checkpoint,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    error: r.error,
  }));
}

/** Jobs that count against a subscription's daily limit: started in the window, not skipped or failed. */
export async function countedJobsSince(pool: Pool, orgId: string, since: Date): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(COUNTED_JOBS_SINCE, [orgId, since]);
  return rows[0]!.n;
}

/** Called by the runner once every object in scope has its full pass in this cycle. */
export async function markCycleFullComplete(pool: Pool, orgId: string, cycleId: string, at = new Date()): Promise<void> {
  await pool.query(MARK_CYCLE_FULL_COMPLETE, [orgId, cycleId, at]);
}

export async function setJobStatus(
  pool: Pool,
  orgId: string,
  jobId: string,
  status: JobStatus,
  fields: { error?: string | null; reason?: string | null; at?: Date } = {},
): Promise<void> {
  const at = fields.at ?? new Date();
  const finished = !ACTIVE_STATUSES.includes(status);
  await pool.query(SET_JOB_STATUS, [orgId, jobId, status, at, finished, fields.error ?? null, fields.reason ?? null]);
}

export interface DailyApiUsage {
  /** UTC day. */
  day: string;
  jobs: number;
  apiCalls: number;
}

/** API calls our jobs spent per day over the last `days` days (oldest first; days without jobs are 0). */
export async function apiUsage(pool: Pool, orgId: string, days = 7, now = new Date()): Promise<DailyApiUsage[]> {
  const { rows } = await pool.query<{ day: string; jobs: number; api_calls: string }>(API_USAGE, [orgId, now, days]);
  return rows.map((r) => ({ day: r.day, jobs: r.jobs, apiCalls: Number(r.api_calls) }));
}
