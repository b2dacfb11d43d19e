import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { Logger } from '../infra/logger.js';
import { ClaimLoop } from '../infra/claim-loop.js';
import type { RestoreService } from './restore.js';
import type { RunRow } from './runs.js';
import { RESTORE_CHANNEL } from './sql.js';

export interface RestoreWorkerOptions {
  /** Restores this process runs at once. */
  maxRuns: number;
  /** A running restore whose heartbeat is older than this lost its process and may be claimed. */
  staleMs: number;
  /** How often to look for queued runs when no notification arrives. */
  pollMs: number;
}

/**
 * Runs queued restores: any number of engine processes, one worker each, on the same database.
 * A run is claimed with SKIP LOCKED (RestoreRuns.claim) and kept by its heartbeat, so no two
 * processes run one restore; a run whose process died is claimed again once its heartbeat is
 * stale, and resumes (RestoreService.execute settles what it left in flight).
 */
export class RestoreWorker {
  readonly id = `restore-${process.pid}-${randomUUID().slice(0, 8)}`;
  readonly #loop: ClaimLoop<RunRow>;
  #only: string | undefined;

  constructor(deps: { pool: Pool; log: Logger; restore: RestoreService }, options: RestoreWorkerOptions) {
    this.#loop = new ClaimLoop(deps.pool, deps.log, {
      channel: RESTORE_CHANNEL,
      max: options.maxRuns,
      pollMs: options.pollMs,
      what: 'restore run',
      claim: () => deps.restore.runs.claim(this.id, options.staleMs, this.#only),
      run: (run, signal) => deps.restore.execute(run, this.id, signal),
    });
  }

  /** `only`: this process runs that one run and no other (the CLI waiting for its own restore). */
  start(only?: string): Promise<void> {
    this.#only = only;
    return this.#loop.start();
  }

  /** Looks for runs now. */
  poll(): Promise<void> {
    return this.#loop.poll();
  }

  /** Stops claiming; running restores stop at their next step and are resumed by the next worker. */
  stop(): Promise<void> {
    return this.#loop.stop();
  }
}
