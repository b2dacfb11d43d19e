import type { Pool } from '../infra/db.js';
import { countedJobsSince, openJob, recordSkipped } from '../backup/jobs.js';
import type { BackupLauncher } from './ports.js';

/** The schedule's view of backup/jobs: opening a job is what starts a backup (the runner picks it up). */
export function backupJobsLauncher(pool: Pool): BackupLauncher {
  return {
    start: async (orgId, request) => ({ jobId: (await openJob(pool, orgId, request)).id }),
    countJobsSince: (orgId, since) => countedJobsSince(pool, orgId, since),
    recordSkipped: async (orgId, reason, now) => {
      await recordSkipped(pool, orgId, 'scheduled', reason, now);
    },
  };
}
