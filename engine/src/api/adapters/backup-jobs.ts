import type { Pool } from '../../infra/db.js';
import { OrgVaultError } from '../../errors.js';
import { isUuid, type Org } from '../../orgs/registry.js';
import { activeJobs, getJob, jobObjects, listJobs, openJob, type Job, type JobObject } from '../../backup/jobs.js';
import type { BackupJobService } from '../services.js';
import type { JobDetailOut, JobOut } from '../schemas.js';

export interface BackupJobsWiring {
  /** Hands an opened job to whatever runs jobs (the backup runner); absent = no runner in this build. */
  launch?: (job: Job) => Promise<void>;
  /**
   * The rules that can refuse a backup before a job is opened — subscription expiry, daily job
   * limit, seats (schedule/), storage configured (store/) — each throwing its own code.
   */
  admit?: (org: Org) => Promise<void>;
}

const FINAL = new Set(['succeeded', 'partial', 'failed', 'skipped']);

function wire(job: Job, objects: JobObject[]): JobOut {
  const done = objects.filter((o) => o.status === 'succeeded' || o.status === 'failed').length;
  return {
    id: job.id,
    orgId: job.orgId,
    kind: job.kind,
    trigger: job.trigger,
    status: job.status,
    reason: job.reason,
    objects: job.objects,
    requestedBy: job.requestedBy,
    queuedAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    progress: {
      objectsTotal: objects.length,
      objectsDone: done,
      records: job.records,
      bytes: job.bytes,
      files: job.files,
      apiCalls: job.apiCalls,
      percent: FINAL.has(job.status) ? 100 : objects.length ? Math.floor((100 * done) / objects.length) : null,
    },
    error: job.error,
  };
}

/**
 * The backup job catalog (backup/jobs.ts) as the API's BackupJobService: reads are mapped to the
 * wire shape; start asks the admission rules, opens a job under the cycle's rules (JOB_RUNNING,
 * FULL_BACKUP_REQUIRED) and hands it to the runner. Without a runner in this build start answers
 * SERVICE_UNAVAILABLE rather than leave a queued job nothing will run.
 */
export class BackupJobsAdapter implements BackupJobService {
  constructor(
    private readonly pool: Pool,
    private readonly wiring: BackupJobsWiring,
  ) {}

  async start(org: Org, request: { objects?: string[]; by: string | null }): Promise<JobOut> {
    const { launch, admit } = this.wiring;
    if (!launch) {
      throw new OrgVaultError('SERVICE_UNAVAILABLE', 'Backups cannot run in this engine build yet: it has no backup runner', {
        actions: ['Upgrade the engine to a version that includes the backup runner.'],
      });
    }
    await admit?.(org);
    const job = await openJob(this.pool, org.id, {
      trigger: 'on_demand',
      ...(request.objects ? { objects: request.objects } : {}),
      ...(request.by ? { requestedBy: request.by } : {}),
    });
    await launch(job);
    return wire(job, []);
  }

  async list(org: Org, page: { limit: number; before?: Date }): Promise<JobOut[]> {
    const jobs = await listJobs(this.pool, org.id, page.limit, page.before);
    return Promise.all(jobs.map(async (j) => wire(j, await jobObjects(this.pool, org.id, j.id))));
  }

  async get(org: Org, jobId: string): Promise<JobDetailOut> {
    if (!isUuid(jobId)) throw new OrgVaultError('NOT_FOUND', 'No such job');
    const job = await getJob(this.pool, org.id, jobId);
    const objects = await jobObjects(this.pool, org.id, jobId);
    return {
      ...wire(job, objects),
      objectDetails: objects.map((o) => ({
        name: o.object,
        pass: o.pass,
        status: o.status,
        records: o.records,
        deleted: o.deleted,
        bytes: o.bytes,
        files: o.files,
        apiCalls: o.apiCalls,
        attempts: o.attempts,
        startedAt: o.startedAt,
        finishedAt: o.finishedAt,
        error: o.error,
      })),
    };
  }

  async latest(org: Org): Promise<{ last: JobOut | null; current: JobOut | null }> {
    const [active, recent] = await Promise.all([activeJobs(this.pool, org.id), listJobs(this.pool, org.id, 20)]);
    const current = active[0] ?? null;
    const last = recent.find((j) => FINAL.has(j.status)) ?? null;
    return {
      current: current && wire(current, await jobObjects(this.pool, org.id, current.id)),
      last: last && wire(last, []),
    };
  }
}
