import { randomUUID } from 'node:crypto';
import type { Pool } from '../infra/db.js';
import type { Job } from './jobs.js';
import { toJob, type JobRow } from './jobs.js';
import { DEFAULT_RUNNER_OPTIONS, runJob, type RunnerDeps } from './runner.js';
import { PageMemory } from '../salesforce/page-memory.js';
import { ClaimLoop } from '../infra/claim-loop.js';
import { BEAT, CLAIM_JOB, RELEASE_JOBS } from './sql.js';

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
  const { rows } = await pool.query<JobRow>(CLAIM_JOB, [workerId, staleMs]);
  return rows[0] ? toJob(rows[0]) : undefined;
}

/**
 * Hands this worker's jobs back after an orderly stop (their passes have checkpointed): any worker,
 * this one after a restart included, may claim them at once instead of waiting for a stale heartbeat.
 */
export async function releaseJobs(pool: Pool, workerId: string): Promise<void> {
  await pool.query(RELEASE_JOBS, [workerId]);
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
  readonly #loop: ClaimLoop<Job>;

  constructor(deps: RunnerDeps, options: Partial<WorkerOptions> = {}) {
    this.#options = { ...DEFAULT_WORKER_OPTIONS, ...options };
    // Every job this process runs shares one bound on the result pages it holds.
    this.deps = {
      ...deps,
      pageMemory: deps.pageMemory ?? new PageMemory(deps.options?.pageMemoryBytes ?? DEFAULT_RUNNER_OPTIONS.pageMemoryBytes),
    };
    this.#loop = new ClaimLoop(this.deps.pool, this.deps.log, {
      channel: JOBS_CHANNEL,
      max: this.#options.maxJobs,
      pollMs: this.#options.pollMs,
      what: 'backup job',
      claim: () => claimJob(this.deps.pool, this.id, this.#options.staleMs),
      run: (job, signal) => this.#run(job, signal),
    });
  }

  start(): Promise<void> {
    return this.#loop.start();
  }

  /** Looks for work now; resolves once the jobs it claimed have started. */
  poll(): Promise<void> {
    return this.#loop.poll();
  }

  async #run(job: Job, signal: AbortSignal): Promise<void> {
    const beat = setInterval(() => {
      void this.deps.pool.query(BEAT, [job.orgId, job.id, this.id]).catch(() => undefined);
    }, this.#options.heartbeatMs);
    try {
      await runJob(this.deps, job, signal);
    } finally {
      clearInterval(beat);
    }
  }

  /** The jobs running in this process now. */
  get runningJobs(): string[] {
    return this.#loop.running;
  }

  /**
   * Stops claiming and interrupts running jobs at their next checkpoint; their rows stay running
   * and are handed back, so a worker (this one after a restart, or another) resumes them. When the
   * database is gone the hand-back fails and their heartbeat going stale does the same, later.
   */
  async stop(): Promise<void> {
    const had = this.#loop.running.length > 0;
    await this.#loop.stop();
    if (had) await releaseJobs(this.deps.pool, this.id).catch(() => undefined);
  }
}
