import { z } from 'zod';
import { Count, DateTime } from './schemas.js';

/** The wire shapes of the monitor's series (backup/monitor.ts): one point per UTC day. */

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day, YYYY-MM-DD');

export const MonitorQuery = z.strictObject({
  days: z.coerce.number().int().min(1).max(366).default(30).describe('Days in the window, the last one included'),
  to: Day.refine((d) => !Number.isNaN(Date.parse(d)) && new Date(d).toISOString().startsWith(d), 'a calendar day')
    .optional()
    .describe('The window’s last UTC day; absent = today'),
});

export const DayPoint = z.object({
  day: Day,
  jobs: Count,
  failedJobs: Count.describe('Jobs that ended partial or failed'),
  recordsProtected: Count.describe('At the end of the day'),
  filesProtected: Count,
  inserted: Count,
  updated: Count,
  deleted: Count,
  bytesStored: Count.describe('Bytes as stored (record packs and files), at the end of the day'),
  bytesAdded: Count,
  apiCalls: Count,
  apiLimit: Count.nullable().describe("The org's daily API allowance as the day's jobs saw it"),
  durationMs: Count.nullable().describe("The day's longest job"),
});

export const MonitorSeries = z.object({
  from: Day,
  to: Day,
  jobs: Count.describe('Jobs in the window; 0 is an empty window'),
  days: z.array(DayPoint),
  changesByObject: z
    .array(z.object({ object: z.string(), inserted: z.array(Count), updated: z.array(Count), deleted: z.array(Count) }))
    .describe('Per object with the most changes (the rest as "Other objects"), one entry per day'),
  rpo: z
    .array(z.object({ at: DateTime, ageMs: Count.nullable().describe('Null while there was no restorable point') }))
    .nullable()
    .describe('With continuous protection on: the age of the newest restorable point every 15 minutes over the last day; else null'),
});

export type MonitorSeriesOut = z.output<typeof MonitorSeries>;
