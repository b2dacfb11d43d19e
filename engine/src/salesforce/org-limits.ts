import type { BudgetSnapshot, LimitCount } from './api-budget.js';
import { parseLimitEntry } from './api-budget.js';
import type { OrgConnection } from './connection.js';

export interface OrgLimits {
  dailyApiRequests?: LimitCount;
  dailyBulkV2QueryJobs?: LimitCount;
  /** Every entry of `GET /limits` as `{Max, Remaining}` pairs. */
  raw: Record<string, unknown>;
}

/**
 * Reads `/limits` and feeds the budget meter. Exempt from the budget cap, so a paused job can
 * learn that budget has returned.
 */
export async function readOrgLimits(conn: OrgConnection): Promise<OrgLimits> {
  const raw = await conn.http.json<Record<string, unknown>>({ path: 'limits', exempt: true, what: 'read limits' });
  conn.budget.observeLimits(raw);
  const api = parseLimitEntry(raw.DailyApiRequests);
  const bulk = parseLimitEntry(raw.DailyBulkV2QueryJobs);
  return { ...(api ? { dailyApiRequests: api } : {}), ...(bulk ? { dailyBulkV2QueryJobs: bulk } : {}), raw };
}

/** Fresh figures from the org, then the meter's answer: may we spend `calls` more requests? */
export async function checkBudget(conn: OrgConnection, calls = 1): Promise<{ maySpend: boolean; snapshot: BudgetSnapshot }> {
  await readOrgLimits(conn);
  return { maySpend: conn.budget.maySpend(calls), snapshot: conn.budget.snapshot() };
}
