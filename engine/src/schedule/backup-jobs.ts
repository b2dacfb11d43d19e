import type { Pool } from '../infra/db.js';
import { OrgVaultError } from '../errors.js';
import { countedJobsSince, openJob, recordSkipped, type Job } from '../backup/jobs.js';
import type { BackupLauncher } from './ports.js';

/**
 * The schedule's view of backup/jobs: a start opens a job under the cycle's rules and hands it to
 * the runner (`runJob`, the backup runner's entry point). Without a runner a start is refused
 * rather than leaving a queued job nothing will run.
 */
export function backupJobsLauncher(pool: Pool, runJob?: (job: Job) => Promise<void>): BackupLauncher {
  return {
    start: async (orgId, request) => {
      if (!runJob) {
        throw new OrgVaultError('SERVICE_UNAVAILABLE', 'Backups cannot run in this engine build yet: it has no backup runner', {
          actions: ['Upgrade the engine to a version that includes the backup runner.'],
        });
      }
      const job = await openJob(pool, orgId, request);
      await runJob(job);
      return { jobId: job.id };
    },
    countJobsSince: (orgId, since) => countedJobsSince(pool, orgId, since),
    recordSkipped: async (orgId, reason, now) => {
      await recordSkipped(pool, orgId, 'scheduled', reason, now);
    },
  };
}
