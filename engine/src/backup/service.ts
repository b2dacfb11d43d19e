import type { Pool } from '../infra/db.js';
import { activeJobs, getJob, jobObjects, listJobs, openJob, type Job, type JobObject, type JobTrigger } from './jobs.js';

/** The subscription's rules, asked before any job opens (schedule/ implements it). */
export interface BackupGuard {
  assertMayBackUp(orgId: string, now?: Date): Promise<void>;
}

export interface JobProgress {
  objectsTotal: number;
  objectsDone: number;
  records: number;
  bytes: number;
  apiCalls: number;
  percent: number | null;
}

export interface JobWithProgress extends Job {
  progress: JobProgress;
}

export function progressOf(job: Job, objects: JobObject[]): JobProgress {
  const done = objects.filter((o) => o.status === 'succeeded' || o.status === 'failed').length;
  const sum = (k: 'records' | 'bytes' | 'apiCalls'): number => objects.reduce((n, o) => n + o[k], 0);
  const finished = !['queued', 'running', 'paused'].includes(job.status);
  return {
    objectsTotal: objects.length,
    objectsDone: done,
    records: Math.max(job.records, sum('records')),
    bytes: Math.max(job.bytes, sum('bytes')),
    apiCalls: Math.max(job.apiCalls, sum('apiCalls')),
    percent: finished ? 100 : objects.length === 0 ? null : Math.floor((done / objects.length) * 100),
  };
}

/**
 * Backups as users start and follow them (API, CLI and schedule alike): the subscription's rules,
 * then the cycle's rules (backup/jobs.ts), then a queued job that a worker picks up.
 */
export class BackupService {
  constructor(
    private readonly pool: Pool,
    private readonly guard: BackupGuard,
  ) {}

  async start(orgId: string, request: { trigger: JobTrigger; objects?: string[]; by?: string | null }): Promise<Job> {
    await this.guard.assertMayBackUp(orgId);
    return openJob(this.pool, orgId, {
      trigger: request.trigger,
      ...(request.objects ? { objects: request.objects } : {}),
      ...(request.by ? { requestedBy: request.by } : {}),
    });
  }

  async detail(orgId: string, jobId: string): Promise<JobWithProgress & { objectDetails: JobObject[] }> {
    const job = await getJob(this.pool, orgId, jobId);
    const objects = await jobObjects(this.pool, orgId, jobId);
    return { ...job, progress: progressOf(job, objects), objectDetails: objects };
  }

  async list(orgId: string, limit = 20, before?: Date): Promise<JobWithProgress[]> {
    const jobs = await listJobs(this.pool, orgId, limit, before);
    return Promise.all(jobs.map(async (j) => ({ ...j, progress: progressOf(j, await jobObjects(this.pool, orgId, j.id)) })));
  }

  /** For the tile: the last job that ended, and the one queued or running now. */
  async latest(orgId: string): Promise<{ last: JobWithProgress | null; current: JobWithProgress | null }> {
    const [current] = await activeJobs(this.pool, orgId);
    const { rows } = await this.pool.query<{ id: string }>(
      `SELECT id FROM backup_jobs WHERE org_id = $1 AND status NOT IN ('queued', 'running', 'paused')
        ORDER BY coalesce(finished_at, created_at) DESC LIMIT 1`,
      [orgId],
    );
    const withProgress = async (job: Job): Promise<JobWithProgress> => ({
      ...job,
      progress: progressOf(job, await jobObjects(this.pool, orgId, job.id)),
    });
    return {
      last: rows[0] ? await withProgress(await getJob(this.pool, orgId, rows[0].id)) : null,
      current: current ? await withProgress(current) : null,
    };
  }
}
