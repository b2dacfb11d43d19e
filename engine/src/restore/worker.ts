import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from '../infra/logger.js';
import type { RestoreService } from './restore.js';
import { RESTORE_CHANNEL } from './runs.js';

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
  readonly #running = new Map<string, { done: Promise<unknown>; abort: AbortController }>();
  #timer: NodeJS.Timeout | undefined;
  #listener: PoolClient | undefined;
  #stopped = false;
  #polling = false;
  #only: string | undefined;

  constructor(
    private readonly deps: { pool: Pool; log: Logger; restore: RestoreService },
    private readonly options: RestoreWorkerOptions,
  ) {}

  /** `only`: this process runs that one run and no other (the CLI waiting for its own restore). */
  async start(only?: string): Promise<void> {
    this.#stopped = false;
    this.#only = only;
    this.#listener = await this.deps.pool.connect();
    this.#listener.on('notification', () => void this.poll());
    this.#listener.on('error', () => undefined);
    await this.#listener.query(`LISTEN ${RESTORE_CHANNEL}`);
    this.#timer = setInterval(() => void this.poll(), this.options.pollMs);
    void this.poll();
  }

  /** Looks for runs now. */
  async poll(): Promise<void> {
    if (this.#stopped || this.#polling) return;
    this.#polling = true;
    try {
      while (!this.#stopped && this.#running.size < this.options.maxRuns) {
        const run = await this.deps.restore.runs.claim(this.id, this.options.staleMs, this.#only);
        if (!run) break;
        const abort = new AbortController();
        const done = this.deps.restore
          .execute(run, this.id, abort.signal)
          .catch((err: Error) => this.deps.log.warn({ runId: run.id, err: err.message }, 'restore run stopped'))
          .finally(() => {
            this.#running.delete(run.id);
            void this.poll();
          });
        this.#running.set(run.id, { done, abort });
      }
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message }, 'claiming a restore run failed');
    } finally {
      this.#polling = false;
    }
  }

  /** Stops claiming; running restores stop at their next step and are resumed by the next worker. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    for (const r of this.#running.values()) r.abort.abort(new Error('worker stopping'));
    await Promise.all([...this.#running.values()].map((r) => r.done));
    if (this.#listener) {
      await this.#listener.query(`UNLISTEN ${RESTORE_CHANNEL}`).catch(() => undefined);
      this.#listener.release();
      this.#listener = undefined;
    }
  }
}
