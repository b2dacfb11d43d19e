import type { Pool } from '../infra/db.js';
import { countedJobsSince, openJob, recordSkipped, type Job } from '../backup/jobs.js';
import type { BackupLauncher } from './ports.js';

/**
 * The schedule's view of backup/jobs. The opened job row is the hand-over: any backup worker
 * claims it; `wake` lets the composition root poke its own worker at once.
 */
export function backupJobsLauncher(pool: Pool, wake?: (job: Job) => Promise<void>): BackupLauncher {
  return {
    start: async (orgId, request) => {
      const job = await openJob(pool, orgId, request);
      await wake?.(job);
      return { jobId: job.id };
    },
    countJobsSince: (orgId, since) => countedJobsSince(pool, orgId, since),
    recordSkipped: async (orgId, reason, now) => {
      await recordSkipped(pool, orgId, 'scheduled', reason, now);
    },
  };
}
