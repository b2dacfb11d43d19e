import { DateTime, Duration, IANAZone } from 'luxon';

/**
 * Start times in an org's time zone, as pure functions of (settings, instant) so tests can give any
 * clock. Slots are wall-clock times of the local day ("00:00, 08:00, 16:00"), not fixed intervals
 * of elapsed time: on a 23- or 25-hour day the gap that holds the change is an hour shorter or
 * longer, and every local day still has exactly its N jobs.
 *
 * Daylight-saving decisions (the same as Temporal's "compatible" disambiguation, and what a
 * person reading the wall clock expects):
 * - a local time that does not exist (spring forward) runs shifted by the gap's length, e.g.
 *   02:30 on the New York spring-forward day runs at 03:30 EDT;
 * - a local time that exists twice (fall back) runs once, at its first occurrence, e.g. 01:30 on
 *   the New York fall-back day runs at 01:30 EDT, not again an hour later.
 * Two slots that land on the same instant this way are one start.
 */

export const MINUTES_PER_DAY = 24 * 60;

/** An IANA zone luxon (i.e. Intl) knows; anything else is read as UTC rather than failing a schedule. */
export function effectiveZone(zone: string): string {
  return IANAZone.isValidZone(zone) ? zone : 'UTC';
}

/** Minutes after local midnight of each of the day's N slots, spread evenly from the start time. */
export function slotMinutes(jobsPerDay: number, startMinute = 0): number[] {
  const n = Math.max(1, Math.floor(jobsPerDay));
  const minutes = new Set<number>();
  for (let k = 0; k < n; k++) minutes.add((startMinute + Math.floor((k * MINUTES_PER_DAY) / n)) % MINUTES_PER_DAY);
  return [...minutes].sort((a, b) => a - b);
}

/** "HH:MM" (24 h) to minutes after midnight. */
export function parseLocalTime(hhmm: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!m) throw new RangeError(`not a local time HH:MM: ${hhmm}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** The instant a local wall-clock time happens, with the decisions documented above. */
export function resolveLocal(zone: string, date: { year: number; month: number; day: number }, minute: number): Date {
  const z = effectiveZone(zone);
  const wall = { ...date, hour: Math.floor(minute / 60), minute: minute % 60 };
  // luxon moves a non-existent time forward by the gap and gives the later of two occurrences.
  const chosen = DateTime.fromObject(wall, { zone: z });
  const wallAsUtc = DateTime.fromObject(wall, { zone: 'UTC' });
  // The earlier occurrence, if any, uses the offset in force a few hours before.
  const earlierOffset = IANAZone.create(z).offset(chosen.toMillis() - 6 * 3600_000);
  const earlier = DateTime.fromMillis(wallAsUtc.toMillis() - earlierOffset * 60_000, { zone: z });
  const sameWall = earlier.toFormat('yyyy-MM-dd HH:mm') === wallAsUtc.toFormat('yyyy-MM-dd HH:mm');
  if (sameWall && earlier.toMillis() < chosen.toMillis()) return earlier.toJSDate();
  return chosen.toJSDate();
}

/** Instants of the given local slots on the local days from `from`'s to `to`'s, in order, once each. */
function slotsOnDays(zone: string, minutes: number[], from: Date, to: Date): Date[] {
  const z = effectiveZone(zone);
  const last = DateTime.fromJSDate(to, { zone: z }).startOf('day');
  const out = new Map<number, Date>();
  for (let day = DateTime.fromJSDate(from, { zone: z }).startOf('day'); day <= last; day = day.plus({ days: 1 })) {
    for (const m of minutes) {
      const t = resolveLocal(z, { year: day.year, month: day.month, day: day.day }, m);
      out.set(t.getTime(), t);
    }
  }
  return [...out.values()].sort((a, b) => a.getTime() - b.getTime());
}

export interface BackupTimes {
  zone: string;
  jobsPerDay: number;
  /** "HH:MM" local; null means 00:00. */
  startTime: string | null;
}

function minutesOf(times: BackupTimes): number[] {
  return slotMinutes(times.jobsPerDay, times.startTime === null ? 0 : parseLocalTime(times.startTime));
}

/** The first backup start strictly after `after`. */
export function nextBackupStart(times: BackupTimes, after: Date): Date {
  const DAY = 86_400_000;
  const candidates = slotsOnDays(times.zone, minutesOf(times), new Date(after.getTime() - DAY), new Date(after.getTime() + 2 * DAY));
  const next = candidates.find((t) => t.getTime() > after.getTime());
  // Unreachable: every local day holds its slots, and three days are looked at.
  if (!next) throw new Error('no backup slot in the next days');
  return next;
}

/** The backup starts in [from, to), in order — what a stretch of the schedule looks like. */
export function backupStartsBetween(times: BackupTimes, from: Date, to: Date): Date[] {
  const DAY = 86_400_000;
  return slotsOnDays(times.zone, minutesOf(times), new Date(from.getTime() - DAY), new Date(to.getTime() + DAY)).filter(
    (t) => t.getTime() >= from.getTime() && t.getTime() < to.getTime(),
  );
}

/** Whether `slot` is a start of the current schedule (a queued start from older settings is not). */
export function isBackupStart(times: BackupTimes, slot: Date): boolean {
  return nextBackupStart(times, new Date(slot.getTime() - 1)).getTime() === slot.getTime();
}

export interface RecurringTimes {
  zone: string;
  /** The first run; later ones are this plus whole intervals, in local calendar terms. */
  startAt: Date;
  /** ISO-8601 duration, e.g. P1M (default), P7D. */
  interval: string;
}

/** Parses and bounds a permission-check interval: at least a day, at most a year. */
export function parseInterval(iso: string): Duration {
  const d = Duration.fromISO(iso);
  if (!d.isValid) throw new RangeError(`not an ISO-8601 duration: ${iso}`);
  const days = d.shiftTo('days').days;
  if (days < 1 || days > 366) throw new RangeError(`interval must be between P1D and P1Y: ${iso}`);
  return d;
}

/**
 * The first run strictly after `after`: startAt + k × interval. Months are added in the org's
 * calendar (a check started on the 31st runs on the last day of shorter months, and at the same
 * local time of day across daylight-saving changes).
 */
export function nextRecurringStart(times: RecurringTimes, after: Date): Date {
  const z = effectiveZone(times.zone);
  const start = DateTime.fromJSDate(times.startAt, { zone: z });
  if (start.toMillis() > after.getTime()) return start.toJSDate();
  const interval = parseInterval(times.interval);
  // Jump close to the answer by elapsed time, then step; k is counted from the start each time
  // so month-end clamping does not accumulate (Jan 31 → Feb 28 → Mar 31).
  const at = (k: number): number => start.plus(multiply(interval, k)).toMillis();
  let k = Math.max(0, Math.floor((after.getTime() - start.toMillis()) / interval.toMillis()));
  while (k > 0 && at(k - 1) > after.getTime()) k--;
  while (at(k) <= after.getTime()) k++;
  return new Date(at(k));
}

function multiply(d: Duration, k: number): Duration {
  return Duration.fromObject(Object.fromEntries(Object.entries(d.toObject()).map(([unit, v]) => [unit, (v ?? 0) * k])));
}
