/**
 * Which versions a policy keeps, as pure functions. A version is kept when an as-of read that a
 * policy promises would return it: it is a record's newest, or still current when the keep-all
 * window begins (or later), or current at one of the tiers' checkpoints (the UTC midnights, the
 * Mondays, the 1sts of the month). A version removed never changes what any of those reads
 * returns, and removing some of the expired versions of a record leaves the others expired, so
 * a prune cut short and run again removes the same set.
 */
import { OrgVaultError } from '../errors.js';
import type { RetentionPolicy } from './types.js';

const DAY = 86_400_000;
const LIMITS: Record<keyof RetentionPolicy, number> = { keepAllDays: 36500, dailyWeeks: 5200, weeklyMonths: 1200, monthlyYears: 100 };

/** VALIDATION_FAILED for a tier out of range, or a policy that would keep nothing but each record's newest version. */
export function assertPolicy(p: RetentionPolicy): void {
  for (const [key, max] of Object.entries(LIMITS) as Array<[keyof RetentionPolicy, number]>) {
    if (!Number.isInteger(p[key]) || p[key] < 0 || p[key] > max)
      throw new OrgVaultError('VALIDATION_FAILED', `${key} must be a whole number from 0 to ${max}`, {
        details: { issues: [{ path: `body.${key}`, message: `0 to ${max}` }] },
      });
  }
  if (p.keepAllDays + p.dailyWeeks + p.weeklyMonths + p.monthlyYears === 0)
    throw new OrgVaultError('VALIDATION_FAILED', 'This policy would keep nothing: every tier is 0', {
      actions: ['Keep at least one tier, e.g. every version for 30 days (keepAllDays 30), or remove the policy to keep everything.'],
      details: { issues: [{ path: 'body', message: 'keeps nothing' }] },
    });
}

const utcMidnight = (ms: number): number => Math.floor(ms / DAY) * DAY;
const minusMonths = (ms: number, months: number): number => {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - months, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds());
};

/** The keep-all window's start and every tier's checkpoints (ascending), for a prune at `cutoff`. */
export function keepPlan(p: RetentionPolicy, cutoff: Date): { windowStart: number; checkpoints: Float64Array } {
  const windowStart = cutoff.getTime() - p.keepAllDays * DAY;
  const dailyStart = windowStart - p.dailyWeeks * 7 * DAY;
  const weeklyStart = minusMonths(dailyStart, p.weeklyMonths);
  const monthlyStart = minusMonths(weeklyStart, 12 * p.monthlyYears);
  const points: number[] = [];
  for (let m = utcMidnight(windowStart); m >= dailyStart; m -= DAY) points.push(m);
  for (let m = utcMidnight(dailyStart); m >= weeklyStart; m -= DAY) if (new Date(m).getUTCDay() === 1) points.push(m);
  const first = new Date(weeklyStart);
  for (let k = 0; ; k--) {
    const m = Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + k, 1);
    if (m > weeklyStart) continue;
    if (m < monthlyStart) break;
    points.push(m);
  }
  return { windowStart, checkpoints: Float64Array.from(new Set(points)).sort() };
}

/** The first checkpoint at or after `ms`, or Infinity. */
function nextCheckpoint(checkpoints: Float64Array, ms: number): number {
  let lo = 0;
  let hi = checkpoints.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (checkpoints[mid]! < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo < checkpoints.length ? checkpoints[lo]! : Infinity;
}

/**
 * For one record's versions (their start times, oldest first, ties as reads order them): which
 * expire. Version i is current from its start until the next one's; it stays when that span
 * reaches into the keep-all window or holds a checkpoint.
 */
export function expiredOf(starts: readonly number[], plan: { windowStart: number; checkpoints: Float64Array }): boolean[] {
  const out = new Array<boolean>(starts.length).fill(false);
  for (let i = 0; i < starts.length - 1; i++) {
    const until = starts[i + 1]!;
    out[i] = until <= plan.windowStart && nextCheckpoint(plan.checkpoints, starts[i]!) >= until;
  }
  return out;
}
