import { AsyncLocalStorage } from 'node:async_hooks';
import { OrgVaultError } from '../errors.js';

export const DEFAULT_BUDGET_PERCENT = 50;

/** A used/max pair as the org reports it (24-hour rolling window). */
export interface LimitCount {
  used: number;
  max: number;
}

/** `Sforce-Limit-Info: api-usage=18/5000[, per-app-api-usage=...]` → `{used: 18, max: 5000}`. */
export function parseLimitInfo(header: string | null | undefined): LimitCount | undefined {
  if (!header) return undefined;
  const m = /(?:^|[\s,])api-usage=(\d+)\/(\d+)/.exec(header);
  if (!m) return undefined;
  return { used: Number(m[1]), max: Number(m[2]) };
}

/** One entry of `GET /limits`: `{Max, Remaining}` → `{used, max}`. */
export function parseLimitEntry(entry: unknown): LimitCount | undefined {
  const e = entry as { Max?: unknown; Remaining?: unknown } | undefined;
  if (typeof e?.Max !== 'number' || typeof e.Remaining !== 'number') return undefined;
  return { used: e.Max - e.Remaining, max: e.Max };
}

export interface BudgetSnapshot {
  /** Calls this process made through the connection since it opened. */
  callsMade: number;
  /** The org's daily API requests, every client's, as last reported plus our calls since. */
  apiRequests?: LimitCount;
  bulkQueryJobs?: LimitCount;
  capPercent: number;
  /** Requests we may still make before the cap (undefined until the org has reported usage). */
  remaining?: number;
}

/**
 * Counts the calls of one piece of work (an object pass): those made inside `run`, wherever they
 * go in the async flow it starts, and no one else's on the same connection (the schedule's
 * permission check, another object's pass, a restore).
 */
export interface ApiTally {
  readonly calls: number;
  run<T>(fn: () => Promise<T>): Promise<T>;
}

/** The tallies the current async flow counts into (nested runs count into each enclosing one). */
const counting = new AsyncLocalStorage<ReadonlyArray<{ budget: ApiBudget; calls: number }>>();

/**
 * The API budget of one org: our calls counted one by one, the org's own figures (which include
 * every other client) taken from each response's Sforce-Limit-Info and from /limits, and a cap as a
 * share of the daily limit. Between two reports we add our own calls to the last report, so a long
 * stretch of calls that carry no header (Bulk result pages, blobs) still moves toward the cap.
 */
export class ApiBudget {
  #capPercent: number;
  #callsMade = 0;
  #reported: LimitCount | undefined;
  #callsSinceReport = 0;
  #bulkJobs: LimitCount | undefined;
  #bulkJobsSinceReport = 0;

  constructor(capPercent = DEFAULT_BUDGET_PERCENT) {
    this.#capPercent = checkPercent(capPercent);
  }

  get capPercent(): number {
    return this.#capPercent;
  }

  set capPercent(value: number) {
    this.#capPercent = checkPercent(value);
  }

  get callsMade(): number {
    return this.#callsMade;
  }

  recordCall(): void {
    this.#callsMade++;
    this.#callsSinceReport++;
    for (const t of counting.getStore() ?? []) if (t.budget === this) t.calls++;
  }

  recordBulkQueryJob(): void {
    this.#bulkJobsSinceReport++;
  }

  observeLimitInfo(header: string | null | undefined): void {
    const count = parseLimitInfo(header);
    if (count) this.#report(count);
  }

  /** Takes the body of `GET /limits`. */
  observeLimits(limits: Record<string, unknown>): void {
    const api = parseLimitEntry(limits.DailyApiRequests);
    if (api) this.#report(api);
    const bulk = parseLimitEntry(limits.DailyBulkV2QueryJobs);
    if (bulk) {
      this.#bulkJobs = bulk;
      this.#bulkJobsSinceReport = 0;
    }
  }

  /** The org said REQUEST_LIMIT_EXCEEDED: whatever we believed, the limit is spent. */
  observeExhausted(): void {
    if (this.#reported) this.#report({ used: this.#reported.max, max: this.#reported.max });
  }

  #report(count: LimitCount): void {
    this.#reported = count;
    this.#callsSinceReport = 0;
  }

  snapshot(): BudgetSnapshot {
    const apiRequests = this.#reported ? { used: this.#reported.used + this.#callsSinceReport, max: this.#reported.max } : undefined;
    const bulkQueryJobs = this.#bulkJobs ? { used: this.#bulkJobs.used + this.#bulkJobsSinceReport, max: this.#bulkJobs.max } : undefined;
    return {
      callsMade: this.#callsMade,
      capPercent: this.#capPercent,
      ...(apiRequests ? { apiRequests, remaining: Math.max(0, this.#cap(apiRequests.max) - apiRequests.used) } : {}),
      ...(bulkQueryJobs ? { bulkQueryJobs } : {}),
    };
  }

  #cap(max: number): number {
    return Math.floor((max * this.#capPercent) / 100);
  }

  /** May we make `calls` more requests? True while the org has not reported usage yet. */
  maySpend(calls = 1): boolean {
    const s = this.snapshot();
    return s.remaining === undefined || s.remaining >= calls;
  }

  /** Throws API_BUDGET_EXHAUSTED when `calls` more requests would pass the cap. */
  assertMaySpend(calls = 1): void {
    if (this.maySpend(calls)) return;
    const s = this.snapshot();
    throw new OrgVaultError(
      'API_BUDGET_EXHAUSTED',
      `API budget reached: ${s.apiRequests!.used} of ${s.apiRequests!.max} daily requests used, cap ${this.#capPercent}%`,
      {
        details: { source: 'cap', used: s.apiRequests!.used, max: s.apiRequests!.max, capPercent: this.#capPercent },
        actions: ['Wait for the org’s 24-hour usage to fall (the job resumes by itself), or raise the API budget share.'],
      },
    );
  }

  /** Throws API_BUDGET_EXHAUSTED when the org's daily Bulk 2.0 query jobs are spent. */
  assertMayStartBulkQueryJob(): void {
    const jobs = this.snapshot().bulkQueryJobs;
    if (!jobs || jobs.used < jobs.max) return;
    throw new OrgVaultError('API_BUDGET_EXHAUSTED', `Daily Bulk API 2.0 query jobs spent: ${jobs.used} of ${jobs.max}`, {
      details: { source: 'bulkQueryJobs', used: jobs.used, max: jobs.max },
      actions: ['Wait for the org’s 24-hour Bulk query job count to fall; the job resumes by itself.'],
    });
  }

  /** A counter for the calls one piece of work makes through this budget's connection. */
  tally(): ApiTally {
    const t = { budget: this, calls: 0 };
    return {
      get calls() {
        return t.calls;
      },
      run: (fn) => counting.run([...(counting.getStore() ?? []), t], fn),
    };
  }
}

function checkPercent(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 100) {
    throw new OrgVaultError('VALIDATION_FAILED', `API budget share must be a whole percentage from 1 to 100, got ${value}`);
  }
  return value;
}
