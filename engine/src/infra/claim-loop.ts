import type { Pool, PoolClient } from 'pg';
import type { Logger } from './logger.js';

export interface ClaimLoopOptions<T extends { id: string }> {
  /** The NOTIFY channel writers signal when they queue work. */
  channel: string;
  /** Items this process runs at once. */
  max: number;
  /** How often to look for work when no notification arrives. */
  pollMs: number;
  /** What the work is called in logs. */
  what: string;
  /** Takes one item atomically across processes (SKIP LOCKED), or nothing. */
  claim(): Promise<T | undefined>;
  /** Runs a claimed item; the signal asks it to stop at its next step. */
  run(item: T, signal: AbortSignal): Promise<unknown>;
}

/** How long a stop waits for running work to reach its next checkpoint. */
export const STOP_GRACE_MS = 5_000;

/**
 * The loop behind every queue the engine's processes share (backup jobs, restores): a NOTIFY
 * wakes it, a poll covers a missed one, and what it claimed runs until done or until stop()
 * interrupts it. Whatever keeps others from taking an item over (a heartbeat) belongs to `run`.
 */
export class ClaimLoop<T extends { id: string }> {
  readonly #running = new Map<string, { done: Promise<unknown>; abort: AbortController }>();
  #timer: NodeJS.Timeout | undefined;
  #listener: PoolClient | undefined;
  #stopped = false;
  #polling = false;

  constructor(
    private readonly pool: Pool,
    private readonly log: Logger,
    private readonly options: ClaimLoopOptions<T>,
  ) {}

  async start(): Promise<void> {
    this.#stopped = false;
    this.#listener = await this.pool.connect();
    this.#listener.on('notification', () => void this.poll());
    this.#listener.on('error', () => undefined);
    await this.#listener.query(`LISTEN ${this.options.channel}`);
    this.#timer = setInterval(() => void this.poll(), this.options.pollMs);
    void this.poll();
  }

  /** Looks for work now; resolves once what it claimed has started. */
  async poll(): Promise<void> {
    if (this.#stopped || this.#polling) return;
    this.#polling = true;
    try {
      while (!this.#stopped && this.#running.size < this.options.max) {
        const item = await this.options.claim();
        if (!item) break;
        this.#start(item);
      }
    } catch (err) {
      // A claim cut off by the stop (the database may go first) is no news.
      if (!this.#stopped) this.log.warn({ err: (err as Error).message }, `claiming a ${this.options.what} failed`);
    } finally {
      this.#polling = false;
    }
  }

  #start(item: T): void {
    const abort = new AbortController();
    const done = this.options
      .run(item, abort.signal)
      .catch((err: Error) => this.log.error({ id: item.id, err: err.message }, `${this.options.what} stopped`))
      .finally(() => {
        this.#running.delete(item.id);
        void this.poll();
      });
    this.#running.set(item.id, { done, abort });
  }

  /** The items running in this process now. */
  get running(): string[] {
    return [...this.#running.keys()];
  }

  /**
   * Stops claiming and interrupts what runs at its next step; its rows stay claimed until their
   * heartbeat goes stale. What has not reached a step within `graceMs` is left behind: a stop must
   * end in seconds, and the work resumes from its last checkpoint like after a crash.
   */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    for (const r of this.#running.values()) r.abort.abort(new Error('worker stopping'));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
    const ended = await Promise.race([Promise.all([...this.#running.values()].map((r) => r.done)), late]);
    clearTimeout(timer);
    if (ended === 'late') this.log.warn({ ids: this.running }, `${this.options.what} left at its last checkpoint: it did not stop in time`);
    if (this.#listener) {
      await this.#listener.query(`UNLISTEN ${this.options.channel}`).catch(() => undefined);
      this.#listener.release();
      this.#listener = undefined;
    }
  }
}
