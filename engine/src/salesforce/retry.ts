import { setTimeout as sleep } from 'node:timers/promises';
import { isTransient } from './org-errors.js';

export interface RetryPolicy {
  /** Total attempts, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 500, maxDelayMs: 30_000 };

/** Exponential backoff with full jitter, so parallel readers hitting one fault spread out. */
export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/** Runs `fn` until it succeeds, fails for good, or the attempts are spent; only transient errors are retried. */
export async function withRetry<T>(policy: RetryPolicy, fn: (attempt: number) => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt + 1 >= policy.attempts || !isTransient(err) || signal?.aborted) throw err;
      await sleep(backoffDelay(policy, attempt), undefined, signal ? { signal } : undefined);
    }
  }
}
