import type { Writable } from 'node:stream';
import type { Pool } from '../infra/db.js';
import type { Store } from '../store/store.js';
import { OrgVaultError } from '../errors.js';
import { isUuid, type Org } from '../orgs/registry.js';
import { exportRecords, type ExportRequest } from './export.js';
import { activeJobs, apiUsage, getJob, jobObjects, listJobs, openJob, type DailyApiUsage, type Job, type JobObject } from './jobs.js';
import {
  BackupMonitor,
  type JobFigures,
  type MonitorSeries,
  type ObjectFigures,
  type ProtectionPromise,
  type ProtectionStatus,
} from './monitor.js';

/** How far a job has come, as the page's progress bar and the CLI show it. */
export interface JobProgress {
  objectsTotal: number;
  objectsDone: number;
  records: number;
  bytes: number;
  files: number;
  apiCalls: number;
  /** 100 once the job is final; null while its objects are not planned yet. */
  percent: number | null;
}

/** A job with its per-object passes (empty where only the job's own totals are asked for). */
export interface JobView {
  job: Job;
  objects: Array<JobObject & { figures: ObjectFigures }>;
  progress: JobProgress;
  figures: JobFigures;
}

export interface BackupJobsWiring {
  /** Hands an opened job to whatever runs jobs (the backup runner); absent = no runner in this build. */
  launch?: (job: Job) => Promise<void>;
  /**
   * The rules that can refuse a backup before a job is opened — subscription expiry, daily job
   * limit, seats (schedule/), storage configured (store/) — each throwing its own code.
   */
  admit?: (org: Org) => Promise<void>;
  /** What the schedule (schedule/) and continuous protection (cdp/) promise; absent = neither. */
  promise?: (org: Org) => Promise<ProtectionPromise>;
  /** The backup repository the export reads; absent = no store in this build. */
  store?: Store;
}

const FINAL = new Set<Job['status']>(['succeeded', 'partial', 'failed', 'skipped']);

function view(job: Job, figures: JobFigures, objects: JobView['objects'] = []): JobView {
  const done = objects.filter((o) => o.status === 'succeeded' || o.status === 'failed').length;
  return {
    job,
    objects,
    figures,
    progress: {
      objectsTotal: objects.length,
      objectsDone: done,
      records: job.records,
      bytes: job.bytes,
      files: job.files,
      apiCalls: job.apiCalls,
      percent: FINAL.has(job.status) ? 100 : objects.length ? Math.floor((100 * done) / objects.length) : null,
    },
  };
}

/**
 * On-demand backups and the job catalog: start asks the admission rules, opens a job under the
 * cycle's rules (JOB_RUNNING, FULL_BACKUP_REQUIRED) and hands it to the runner. Without a runner
 * in this build start answers SERVICE_UNAVAILABLE rather than leave a queued job nothing will run.
 */
export class BackupJobs {
  private readonly monitor: BackupMonitor;

  constructor(
    private readonly pool: Pool,
    private readonly wiring: BackupJobsWiring,
  ) {
    this.monitor = new BackupMonitor(pool);
  }

  /** Jobs with their figures, and with their objects (and theirs) where `withObjects`. */
  private async views(orgId: string, jobs: Job[], withObjects: (job: Job) => boolean): Promise<JobView[]> {
    const figures = await this.monitor.jobFigures(orgId, jobs);
    return Promise.all(
      jobs.map(async (j) => {
        if (!withObjects(j)) return view(j, figures.get(j.id)!);
        const objects = await jobObjects(this.pool, orgId, j.id);
        const of = await this.monitor.objectFigures(orgId, j, objects);
        return view(
          j,
          figures.get(j.id)!,
          objects.map((o) => ({ ...o, figures: of.get(o.object)! })),
        );
      }),
    );
  }

  async start(org: Org, request: { objects?: string[]; by: string | null }): Promise<JobView> {
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
    return (await this.views(org.id, [job], () => false))[0]!;
  }

  /** Newest first. */
  async list(org: Org, page: { limit: number; before?: Date }): Promise<JobView[]> {
    return this.views(org.id, await listJobs(this.pool, org.id, page.limit, page.before), () => true);
  }

  /** NOT_FOUND for an id that is not this org's job. */
  async get(org: Org, jobId: string): Promise<JobView> {
    if (!isUuid(jobId)) throw new OrgVaultError('NOT_FOUND', 'No such job');
    return (await this.views(org.id, [await getJob(this.pool, org.id, jobId)], () => true))[0]!;
  }

  /** The last finished job and the one queued or running now, for the tile. */
  async latest(org: Org): Promise<{ last: JobView | null; current: JobView | null }> {
    const [active, recent] = await Promise.all([activeJobs(this.pool, org.id), listJobs(this.pool, org.id, 20)]);
    const current = active[0] ?? null;
    const last = recent.find((j) => FINAL.has(j.status)) ?? null;
    const views = await this.views(
      org.id,
      [last, current].filter((j): j is Job => j !== null),
      (j) => j === current,
    );
    const of = (j: Job | null): JobView | null => (j && views.find((v) => v.job === j)) ?? null;
    return { last: of(last), current: of(current) };
  }

  /** Per UTC day over the window ending with the day of `to`: see BackupMonitor.series. */
  async series(org: Org, window: { to: Date; days: number }, now = new Date()): Promise<MonitorSeries> {
    return this.monitor.series(org.id, window, (await this.promise(org)).continuous, now);
  }

  private async promise(org: Org): Promise<ProtectionPromise> {
    return (await this.wiring.promise?.(org)) ?? { continuous: false, everyMs: null, continuousUntil: null };
  }

  /** Are we protected, and since when: the tile's and `orgvault status`'s answer. */
  async protection(org: Org, now = new Date()): Promise<ProtectionStatus> {
    const [recent, promise] = await Promise.all([listJobs(this.pool, org.id, 20), this.promise(org)]);
    const last = recent.find((j) => FINAL.has(j.status) && j.status !== 'skipped') ?? null;
    return this.monitor.status(org.id, last, promise, now);
  }

  /** API calls the org's jobs spent per day over the last `days` days (oldest first; days without jobs are 0). */
  usage(org: Org, days: number, now = new Date()): Promise<DailyApiUsage[]> {
    return apiUsage(this.pool, org.id, days, now);
  }

  /** Writes the records of one object as they were at `at`, from the backup alone; answers how many, and how many erased ones it left out. */
  async exportRecords(org: Org, request: Omit<ExportRequest, 'orgId'>, out: Writable): Promise<{ records: number; erased: number }> {
    const { store } = this.wiring;
    if (!store) throw new OrgVaultError('SERVICE_UNAVAILABLE', 'Exports cannot run in this engine build: it has no backup store');
    return exportRecords(store, { ...request, orgId: org.id }, out);
  }
}
