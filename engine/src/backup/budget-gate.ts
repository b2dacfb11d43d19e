import { OrgVaultError } from '../errors.js';

/**
 * Where the passes of one job wait when the org's API budget is spent. The first pass to hit the
 * cap closes the gate; one loop then asks the org every `pauseMs` whether budget has returned,
 * and every waiting pass resumes from its checkpoint when it has. The job is paused, not failed.
 */
export class BudgetGate {
  #waiting: Promise<void> | undefined;

  constructor(
    private readonly check: () => Promise<boolean>,
    private readonly pauseMs: number,
    private readonly onPause: (paused: boolean, reason?: string) => Promise<void>,
    private readonly signal?: AbortSignal,
  ) {}

  /** Runs `fn`; on API_BUDGET_EXHAUSTED waits for budget and runs it again (it must resume from its checkpoint). */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    for (;;) {
      if (this.#waiting) await this.#waiting;
      try {
        return await fn();
      } catch (err) {
        if (!OrgVaultError.is(err, 'API_BUDGET_EXHAUSTED')) throw err;
        this.#waiting ??= this.#waitForBudget(err.message);
      }
    }
  }

  async #waitForBudget(reason: string): Promise<void> {
    await this.onPause(true, reason);
    try {
      for (;;) {
        await sleep(this.pauseMs, this.signal);
        if (await this.check().catch(() => false)) break;
      }
    } finally {
      this.#waiting = undefined;
    }
    await this.onPause(false);
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
