import type { Pool } from '../infra/db.js';
import type { Store } from '../store/store.js';
import type { Job, JobStatus } from '../backup/jobs.js';
import { setJobStatus } from '../backup/jobs.js';
import { ensurePasses, objectStates, recordProgress, rollUpJob, setPassStatus } from '../backup/state.js';
import { readCheckpoint } from './state.js';
import { CHANNEL } from './consumer.js';

export interface RecoveryPointOptions {
  /** How long a job waits for the stream to store everything up to the requested time. */
  catchUpWaitMs: number;
  pollMs: number;
}

/**
 * Runs a recovery_point job: the store's state of each object at the requested time, from the
 * backups plus the change events. The state is covered when a backup reached that time, or when
 * the stream has been followed since the object's last backup and is caught up past the time.
 * Otherwise the object's pass fails and says why (the stream was down, or protection was off),
 * so nobody trusts an export that misses changes.
 */
export async function buildRecoveryPoint(
  deps: { pool: Pool; store: Store; options: RecoveryPointOptions },
  job: Job,
  signal?: AbortSignal,
): Promise<JobStatus> {
  const { pool, store, options } = deps;
  const at = job.asOf!;
  const objects = job.objects ?? [];
  await ensurePasses(
    pool,
    job.orgId,
    job.id,
    objects.map((object) => ({ object, pass: 'as_of' as const })),
  );
  const states = await objectStates(pool, job.orgId);
  const deadline = Date.now() + options.catchUpWaitMs;
  let failed = 0;
  for (const object of objects) {
    if (signal?.aborted) return 'running';
    await setPassStatus(pool, job.orgId, job.id, object, 'running');
    const watermark = states.get(object)?.watermark ?? null;
    let why: string | null = null;
    if (watermark === null) why = `${object} has no finished backup yet`;
    else if (at.getTime() > watermark.getTime()) {
      for (;;) {
        const cp = await readCheckpoint(pool, job.orgId, CHANNEL);
        if (!cp || cp.coveredFrom.getTime() > watermark.getTime()) {
          why = cp
            ? `change events cover ${object} only from ${cp.coveredFrom.toISOString()}, after its last backup at ${watermark.toISOString()}`
            : `continuous data protection has not followed ${object} since its last backup at ${watermark.toISOString()}`;
          break;
        }
        if (cp.caughtUpAt && cp.caughtUpAt.getTime() >= at.getTime()) break;
        if (Date.now() >= deadline || signal?.aborted) {
          why = `the change event stream has stored changes only up to ${(cp.caughtUpAt ?? cp.lastCommitAt)?.toISOString() ?? 'its start'} (stream down or behind)`;
          break;
        }
        await new Promise((r) => setTimeout(r, options.pollMs));
      }
    }
    if (why) {
      failed++;
      await setPassStatus(pool, job.orgId, job.id, object, 'failed', `Not covered at ${at.toISOString()}: ${why}`);
      continue;
    }
    let records = 0;
    for await (const _ of store.idsAt({ orgId: job.orgId, object, at })) records++;
    await recordProgress(pool, job.orgId, job.id, object, { records });
    await setPassStatus(pool, job.orgId, job.id, object, 'succeeded');
  }
  await rollUpJob(pool, job.orgId, job.id);
  const status: JobStatus = failed === 0 ? 'succeeded' : failed < objects.length ? 'partial' : 'failed';
  await setJobStatus(pool, job.orgId, job.id, status, failed > 0 ? { error: `${failed} object(s) not covered at the requested time` } : {});
  return status;
}
