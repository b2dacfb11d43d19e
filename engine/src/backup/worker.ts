import { randomUUID } from 'node:crypto';
import type { Pool } from '../infra/db.js';
import type { Job } from './jobs.js';
import { toJob, type JobRow } from './jobs.js';
import { DEFAULT_RUNNER_OPTIONS, runJob, type RunnerDeps } from './runner.js';
import { PageMemory } from '../salesforce/page-memory.js';

export interface WorkerOptions {
  /** Jobs this process runs at once. */
  maxJobs: number;
  /** How often a running job proves its worker is alive. */
  heartbeatMs: number;
  /** A running job whose heartbeat is older than this lost its worker and may be claimed. */
  staleMs: number;
  /** How often to look for work when no notification arrives. */
  pollMs: number;
}

export const DEFAULT_WORKER_OPTIONS: WorkerOptions = { maxJobs: 2, heartbeatMs: 10_000, staleMs: 60_000, pollMs: 5_000 };

export const JOBS_CHANNEL = 'orgvault_backup_jobs';

/**
 * Claims one job: a queued one, or one whose worker stopped beating (a crashed process). The row
 * lock with SKIP LOCKED makes the claim atomic across processes.
 */
export async function claimJob(pool: Pool, workerId: string, staleMs: number): Promise<Job | undefined> {
  const { rows } = await pool.query<JobRow>(
    `UPDATE backup_jobs j SET status = 'running', worker_id = $1, heartbeat_at = now(), started_at = coalesce(j.started_at, now())
      WHERE (j.org_id, j.id) = (
        SELECT org_id, id FROM backup_jobs
         WHERE status = 'queued'
            OR (status IN ('running', 'paused') AND (heartbeat_at IS NULL OR heartbeat_at < now() - make_interval(secs => $2::double precision / 1000)))
         ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT 1)
      RETURNING j.*`,
    [workerId, staleMs],
  );
  return rows[0] ? toJob(rows[0]) : undefined;
}

/**
 * A stateless worker: any number of engine processes run one each on the same database. Jobs are
 * rows in backup_jobs (opened by the API, the CLI or the schedule); a NOTIFY wakes the workers and
 * a poll covers a missed one. A job's heartbeat is what keeps others from taking it over.
 */
export class BackupWorker {
  readonly id = `worker-${process.pid}-${randomUUID().slice(0, 8)}`;
  readonly #options: WorkerOptions;
  private readonly deps: RunnerDeps;
  readonly #running = new Map<string, { done: Promise<unknown>; abort: AbortController }>();
  #timer: NodeJS.Timeout | undefined;
  #listener: import('pg').PoolClient | undefined;
  #stopped = false;
  #polling = false;

  constructor(deps: RunnerDeps, options: Partial<WorkerOptions> = {}) {
    this.#options = { ...DEFAULT_WORKER_OPTIONS, ...options };
    // Every job this process runs shares one bound on the result pages it holds.
    this.deps = {
      ...deps,
      pageMemory: deps.pageMemory ?? new PageMemory(deps.options?.pageMemoryBytes ?? DEFAULT_RUNNER_OPTIONS.pageMemoryBytes),
    };
  }

  async start(): Promise<void> {
    this.#listener = await this.deps.pool.connect();
    this.#listener.on('notification', () => void this.poll());
    this.#listener.on('error', () => undefined);
    await this.#listener.query(`LISTEN ${JOBS_CHANNEL}`);
    this.#timer = setInterval(() => void this.poll(), this.#options.pollMs);
    void this.poll();
  }

  /** Looks for work now; resolves once the jobs it claimed have started. */
  async poll(): Promise<void> {
    if (this.#stopped || this.#polling) return;
    this.#polling = true;
    try {
      while (!this.#stopped && this.#running.size < this.#options.maxJobs) {
        const job = await claimJob(this.deps.pool, this.id, this.#options.staleMs);
        if (!job) break;
        this.#run(job);
      }
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message }, 'claiming a backup job failed');
    } finally {
      this.#polling = false;
    }
  }

  #run(job: Job): void {
    const abort = new AbortController();
    const beat = setInterval(() => {
      void this.deps.pool
        .query('UPDATE backup_jobs SET heartbeat_at = now() WHERE org_id = $1 AND id = $2 AND worker_id = $3', [job.orgId, job.id, this.id])
        .catch(() => undefined);
    }, this.#options.heartbeatMs);
    const done = runJob(this.deps, job, abort.signal)
      .catch((err: Error) => this.deps.log.error({ jobId: job.id, err: err.message }, 'backup job crashed'))
      .finally(() => {
        clearInterval(beat);
        this.#running.delete(job.id);
        void this.poll();
      });
    this.#running.set(job.id, { done, abort });
  }

  /** The jobs running in this process now. */
  get runningJobs(): string[] {
    return [...this.#running.keys()];
  }

  /**
   * Stops claiming and interrupts running jobs at their next step; their rows stay running with a
   * heartbeat that goes stale, so a worker (this one after a restart, or another) resumes them.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    for (const r of this.#running.values()) r.abort.abort(new Error('worker stopping'));
    await Promise.all([...this.#running.values()].map((r) => r.done));
    if (this.#listener) {
      await this.#listener.query(`UNLISTEN ${JOBS_CHANNEL}`).catch(() => undefined);
      this.#listener.release();
    }
  }
}
