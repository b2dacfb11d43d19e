import type { Org } from '../../orgs/registry.js';
import type { BackupJobs, JobView } from '../../backup/service.js';
import type { BackupJobService } from '../services.js';
import type { JobDetailOut, JobOut, ProtectionOut } from '../schemas.js';
import type { MonitorSeriesOut } from '../monitor-schemas.js';

function wire({ job, progress, figures }: JobView): JobOut {
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
    progress,
    figures,
    error: job.error,
  };
}

/** The backup job service (backup/service.ts) in the API's wire shapes. */
export class BackupJobsAdapter implements BackupJobService {
  constructor(private readonly jobs: BackupJobs) {}

  async start(org: Org, request: { objects?: string[]; by: string | null }): Promise<JobOut> {
    return wire(await this.jobs.start(org, request));
  }

  async list(org: Org, page: { limit: number; before?: Date }): Promise<JobOut[]> {
    return (await this.jobs.list(org, page)).map(wire);
  }

  async get(org: Org, jobId: string): Promise<JobDetailOut> {
    const v = await this.jobs.get(org, jobId);
    return {
      ...wire(v),
      objectDetails: v.objects.map((o) => ({
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
        figures: o.figures,
        error: o.error,
      })),
    };
  }

  async latest(org: Org): Promise<{ last: JobOut | null; current: JobOut | null }> {
    const { last, current } = await this.jobs.latest(org);
    return { current: current && wire(current), last: last && wire(last) };
  }

  series(org: Org, window: { to: Date; days: number }): Promise<MonitorSeriesOut> {
    return this.jobs.series(org, window);
  }

  protection(org: Org): Promise<ProtectionOut> {
    return this.jobs.protection(org);
  }
}
