import { describe, it, expect } from '@jest/globals';
import { DateTime } from 'luxon';
import {
  backupStartsBetween,
  isBackupStart,
  nextBackupStart,
  nextRecurringStart,
  parseInterval,
  resolveLocal,
  slotMinutes,
} from '../../src/schedule/start-times.js';

const at = (iso: string): Date => new Date(iso);
const iso = (d: Date): string => d.toISOString();
const daily = (zone: string, jobsPerDay = 1, startTime: string | null = null) => ({ zone, jobsPerDay, startTime });
const HOUR = 3600_000;

describe('first backup: the next 00:00 in the org time zone', () => {
  // 2026-06-15T12:00Z: a different local date and time in each zone.
  const connected = at('2026-06-15T12:00:00Z');
  it.each([
    ['America/New_York', '2026-06-16T04:00:00.000Z'], // 08:00 EDT → midnight EDT (UTC-4)
    ['Europe/Berlin', '2026-06-15T22:00:00.000Z'], // 14:00 CEST → midnight CEST (UTC+2)
    ['Australia/Sydney', '2026-06-15T14:00:00.000Z'], // 22:00 AEST → midnight AEST (UTC+10)
    ['Asia/Kolkata', '2026-06-15T18:30:00.000Z'], // 17:30 IST → midnight IST (UTC+5:30)
    ['Asia/Kathmandu', '2026-06-15T18:15:00.000Z'], // UTC+5:45
    ['Pacific/Kiritimati', '2026-06-16T10:00:00.000Z'], // UTC+14: already 02:00 on the 16th
    ['Pacific/Pago_Pago', '2026-06-16T11:00:00.000Z'], // UTC-11
    ['UTC', '2026-06-16T00:00:00.000Z'],
  ])('%s', (zone, expected) => {
    const first = nextBackupStart(daily(zone), connected);
    expect(iso(first)).toBe(expected);
    const local = DateTime.fromJSDate(first, { zone });
    expect(local.toFormat('HH:mm:ss.SSS')).toBe('00:00:00.000');
  });

  it('a connection at exactly 00:00 waits for the next midnight (starts are strictly after)', () => {
    expect(iso(nextBackupStart(daily('Europe/Berlin'), at('2026-06-15T22:00:00Z')))).toBe('2026-06-16T22:00:00.000Z');
  });

  it('an unknown zone name is read as UTC', () => {
    expect(iso(nextBackupStart(daily('Mars/Olympus_Mons'), connected))).toBe('2026-06-16T00:00:00.000Z');
  });
});

describe('daily starts across daylight-saving changes', () => {
  it('America/New_York: the spring-forward day is 23 hours, the fall-back day 25', () => {
    const spring = backupStartsBetween(daily('America/New_York'), at('2026-03-07T00:00Z'), at('2026-03-10T00:00Z')).map(iso);
    expect(spring).toEqual(['2026-03-07T05:00:00.000Z', '2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z']);
    const fall = backupStartsBetween(daily('America/New_York'), at('2026-10-31T00:00Z'), at('2026-11-03T00:00Z')).map(iso);
    expect(fall).toEqual(['2026-10-31T04:00:00.000Z', '2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z']);
  });

  it('Europe/Berlin: 00:00 every day, 23 h and 25 h apart on the change days', () => {
    const starts = backupStartsBetween(daily('Europe/Berlin'), at('2026-03-28T00:00Z'), at('2026-03-31T00:00Z'));
    expect(starts.map(iso)).toEqual(['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z', '2026-03-30T22:00:00.000Z']);
    expect(starts[1]!.getTime() - starts[0]!.getTime()).toBe(23 * HOUR);
    const autumn = backupStartsBetween(daily('Europe/Berlin'), at('2026-10-24T12:00Z'), at('2026-10-26T12:00Z'));
    expect(autumn[1]!.getTime() - autumn[0]!.getTime()).toBe(25 * HOUR);
  });

  it('Australia/Sydney (southern hemisphere): DST starts 4 October, ends 5 April', () => {
    const october = backupStartsBetween(daily('Australia/Sydney'), at('2026-10-02T12:00Z'), at('2026-10-05T12:00Z')).map(iso);
    expect(october).toEqual(['2026-10-02T14:00:00.000Z', '2026-10-03T14:00:00.000Z', '2026-10-04T13:00:00.000Z']);
    const april = backupStartsBetween(daily('Australia/Sydney'), at('2026-04-03T12:00Z'), at('2026-04-06T12:00Z')).map(iso);
    expect(april).toEqual(['2026-04-03T13:00:00.000Z', '2026-04-04T13:00:00.000Z', '2026-04-05T14:00:00.000Z']);
  });

  it('Asia/Kolkata (no DST): every start of a whole year exactly 8 hours apart with 3 jobs a day', () => {
    const starts = backupStartsBetween(daily('Asia/Kolkata', 3), at('2026-01-01T00:00Z'), at('2027-01-01T00:00Z'));
    expect(starts).toHaveLength(365 * 3);
    for (let i = 1; i < starts.length; i++) expect(starts[i]!.getTime() - starts[i - 1]!.getTime()).toBe(8 * HOUR);
  });

  it.each(['America/New_York', 'Europe/Berlin', 'Australia/Sydney', 'Australia/Lord_Howe', 'America/Santiago'])(
    '%s: every local day of a year has exactly its N starts at the planned wall times',
    (zone) => {
      const starts = backupStartsBetween(daily(zone, 4, '01:30'), at('2026-01-05T00:00Z'), at('2027-01-05T00:00Z'));
      const perDay = new Map<string, number>();
      for (const s of starts) {
        const local = DateTime.fromJSDate(s, { zone }).toISODate()!;
        perDay.set(local, (perDay.get(local) ?? 0) + 1);
      }
      for (const s of starts.filter((_, i) => i % 37 === 0)) expect(isBackupStart(daily(zone, 4, '01:30'), s)).toBe(true);
      const counts = [...perDay.values()].slice(1, -1);
      expect(counts.every((n) => n === 4)).toBe(true);
      expect(new Set(starts.map(iso)).size).toBe(starts.length);
    },
  );
});

describe('local times that do not exist or exist twice', () => {
  it('a time in the spring-forward gap runs shifted by the gap: 02:30 → 03:30 EDT', () => {
    expect(iso(resolveLocal('America/New_York', { year: 2026, month: 3, day: 8 }, 150))).toBe('2026-03-08T07:30:00.000Z');
    expect(iso(nextBackupStart(daily('America/New_York', 1, '02:30'), at('2026-03-08T00:00Z')))).toBe('2026-03-08T07:30:00.000Z');
  });

  it('a time that exists twice runs once, at its first occurrence (01:30 EDT, not EST)', () => {
    const starts = backupStartsBetween(daily('America/New_York', 1, '01:30'), at('2026-10-31T12:00Z'), at('2026-11-02T00:00Z'));
    expect(starts.map(iso)).toEqual(['2026-11-01T05:30:00.000Z']);
    // Lord Howe moves by 30 minutes: 01:45 on 5 April 2026 happens at +11:00 first.
    expect(iso(resolveLocal('Australia/Lord_Howe', { year: 2026, month: 4, day: 5 }, 105))).toBe('2026-04-04T14:45:00.000Z');
  });

  it('a midnight that does not exist (America/Santiago, 6 September 2026) runs at 01:00', () => {
    const first = nextBackupStart(daily('America/Santiago'), at('2026-09-05T12:00Z'));
    expect(iso(first)).toBe('2026-09-06T04:00:00.000Z');
    expect(DateTime.fromJSDate(first, { zone: 'America/Santiago' }).toFormat('HH:mm')).toBe('01:00');
  });
});

describe('frequency', () => {
  it('spreads N jobs evenly from 00:00 or from a chosen start time, wrapping past midnight', () => {
    expect(slotMinutes(1)).toEqual([0]);
    expect(slotMinutes(3)).toEqual([0, 480, 960]);
    expect(slotMinutes(2, 18 * 60)).toEqual([6 * 60, 18 * 60]);
    expect(slotMinutes(7)).toEqual([0, 205, 411, 617, 822, 1028, 1234]);
    expect(slotMinutes(24, 30)).toHaveLength(24);
  });

  it('the next start follows the frequency in local time', () => {
    const times = daily('Europe/Berlin', 4, '03:00');
    // 10:00 CEST on 15 June → next 15:00 CEST.
    expect(iso(nextBackupStart(times, at('2026-06-15T08:00Z')))).toBe('2026-06-15T13:00:00.000Z');
    expect(isBackupStart(times, at('2026-06-15T13:00Z'))).toBe(true);
    expect(isBackupStart(daily('Europe/Berlin'), at('2026-06-15T13:00Z'))).toBe(false);
  });
});

describe('permission check recurrence', () => {
  const start = at('2026-01-31T09:00:00Z'); // 10:00 in Berlin
  it('monthly in the org calendar: month ends clamp without drifting, local time kept across DST', () => {
    const times = { zone: 'Europe/Berlin', startAt: start, interval: 'P1M' };
    expect(iso(nextRecurringStart(times, at('2026-01-01T00:00Z')))).toBe(iso(start));
    expect(iso(nextRecurringStart(times, start))).toBe('2026-02-28T09:00:00.000Z');
    expect(iso(nextRecurringStart(times, at('2026-03-01T00:00Z')))).toBe('2026-03-31T08:00:00.000Z'); // CEST
    expect(iso(nextRecurringStart(times, at('2126-03-01T00:00Z')))).toBe('2126-03-31T08:00:00.000Z');
  });

  it('intervals are bounded to P1D..P1Y', () => {
    expect(parseInterval('P7D').as('days')).toBe(7);
    expect(() => parseInterval('PT1H')).toThrow(RangeError);
    expect(() => parseInterval('P2Y')).toThrow(RangeError);
    expect(() => parseInterval('monthly')).toThrow(RangeError);
  });
});
