/**
 * Relative date literals (TODAY, LAST_N_DAYS:n, ...) as half-open [start, end) ranges of epoch
 * ms. Days start at midnight UTC (the emulator's orgs compute in UTC); weeks start on Sunday,
 * as in Salesforce's default locale.
 */
const DAY = 86_400_000;

function startOfDay(ms: number): number {
  return Math.floor(ms / DAY) * DAY;
}

function monthStart(ms: number, addMonths: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + addMonths, 1);
}

function yearStart(ms: number, addYears: number): number {
  return Date.UTC(new Date(ms).getUTCFullYear() + addYears, 0, 1);
}

export function dateLiteralRange(name: string, n: number | null, now: number): [number, number] {
  const today = startOfDay(now);
  const week = today - new Date(today).getUTCDay() * DAY;
  const k = n ?? 0;
  switch (name) {
    case 'YESTERDAY':
      return [today - DAY, today];
    case 'TODAY':
      return [today, today + DAY];
    case 'TOMORROW':
      return [today + DAY, today + 2 * DAY];
    case 'LAST_WEEK':
      return [week - 7 * DAY, week];
    case 'THIS_WEEK':
      return [week, week + 7 * DAY];
    case 'NEXT_WEEK':
      return [week + 7 * DAY, week + 14 * DAY];
    case 'LAST_MONTH':
      return [monthStart(now, -1), monthStart(now, 0)];
    case 'THIS_MONTH':
      return [monthStart(now, 0), monthStart(now, 1)];
    case 'NEXT_MONTH':
      return [monthStart(now, 1), monthStart(now, 2)];
    case 'LAST_90_DAYS':
      return [today - 90 * DAY, today + DAY];
    case 'NEXT_90_DAYS':
      return [today + DAY, today + 91 * DAY];
    case 'LAST_YEAR':
      return [yearStart(now, -1), yearStart(now, 0)];
    case 'THIS_YEAR':
      return [yearStart(now, 0), yearStart(now, 1)];
    case 'NEXT_YEAR':
      return [yearStart(now, 1), yearStart(now, 2)];
    case 'LAST_N_DAYS':
      return [today - k * DAY, today + DAY];
    case 'NEXT_N_DAYS':
      return [today + DAY, today + (k + 1) * DAY];
    case 'N_DAYS_AGO':
      return [today - k * DAY, today - (k - 1) * DAY];
    case 'LAST_N_WEEKS':
      return [week - 7 * k * DAY, week];
    case 'NEXT_N_WEEKS':
      return [week + 7 * DAY, week + 7 * (k + 1) * DAY];
    case 'LAST_N_MONTHS':
      return [monthStart(now, -k), monthStart(now, 0)];
    case 'NEXT_N_MONTHS':
      return [monthStart(now, 1), monthStart(now, k + 1)];
    case 'LAST_N_YEARS':
      return [yearStart(now, -k), yearStart(now, 0)];
    default:
      return [yearStart(now, 1), yearStart(now, k + 1)];
  }
}
