import type { Pool } from '../infra/db.js';
import { OrgVaultError } from '../errors.js';
import type { Job, JobObject, JobStatus } from './jobs.js';
import { CHANGES_BY_OBJECT, DAILY_SERIES, FAILED_OBJECTS, JOB_FIGURES, OBJECT_TOTALS, PROTECTION_TOTALS } from './sql.js';

/** What an admin asks of one object's pass: what it protects, what changed, what it cost. */
export interface ObjectFigures {
  /** Records present in the backup after this job (as of the org when the job read it). */
  recordsProtected: number;
  filesProtected: number;
  /** Changes since the previous job: records that appeared, changed, and were deleted. */
  inserted: number;
  updated: number;
  deleted: number;
  /** Bytes of record packs as stored (compressed, encrypted): in total after the job, and added by it. */
  bytesStored: number;
  bytesAdded: number;
  durationMs: number | null;
  apiCalls: number;
  /** Percent of the org's daily API allowance; null while the org has not reported it. */
  apiShare: number | null;
}

export interface JobFigures extends ObjectFigures {
  apiLimit: number | null;
  failedObjects: Array<{ object: string; error: string | null }>;
}

/** One UTC day of the series: the day's jobs and the org's totals at its end. */
export interface DayPoint {
  day: string;
  jobs: number;
  /** Jobs that ended partial or failed. */
  failedJobs: number;
  recordsProtected: number;
  filesProtected: number;
  inserted: number;
  updated: number;
  deleted: number;
  bytesStored: number;
  bytesAdded: number;
  apiCalls: number;
  apiLimit: number | null;
  /** The day's longest job; null on days without a finished job. */
  durationMs: number | null;
}

/** Changes per day of one object (or of all the others together), aligned with the days. */
export interface ObjectChanges {
  object: string;
  inserted: number[];
  updated: number[];
  deleted: number[];
}

export interface MonitorSeries {
  from: string;
  to: string;
  /** Jobs in the window: 0 means an empty window, not an error. */
  jobs: number;
  days: DayPoint[];
  changesByObject: ObjectChanges[];
}

export type ProtectionWarning = { reason: 'failed' | 'partial' | 'stale'; message: string };

export interface ProtectionStatus {
  neverBackedUp: boolean;
  recordsProtected: number;
  filesProtected: number;
  bytesStored: number;
  /** The newest time the org can be restored to: a finished backup, or continuous protection's. */
  newestPointAt: Date | null;
  newestPointAgeMs: number | null;
  warning: ProtectionWarning | null;
}

/** The schedule's promise and continuous protection's coverage, which other domains know. */
export interface ProtectionPromise {
  /** How often the schedule starts a backup; null when it does not. */
  everyMs: number | null;
  /** Continuous protection has stored everything committed before this. */
  continuousUntil: Date | null;
}

/** Objects the stacked chart names; the rest are summed as one. */
export const CHART_OBJECTS = 8;
export const OTHER_OBJECTS = 'Other objects';
/** A scheduled backup may start and run this long after its time before the tile warns. */
const STALE_GRACE_MS = 3600_000;
export const MAX_WINDOW_DAYS = 366;

const n = (v: string | number | null | undefined): number => Number(v ?? 0);
const share = (calls: number, limit: number | null): number | null =>
  limit && limit > 0 ? Math.round((10_000 * calls) / limit) / 100 : null;
const duration = (o: { startedAt: Date | null; finishedAt: Date | null }): number | null =>
  o.startedAt && o.finishedAt ? o.finishedAt.getTime() - o.startedAt.getTime() : null;

type StoredTotals = { protected: string; files_total: string; bytes_total: string };
type Pass = Pick<Job, 'inserted' | 'updated' | 'removed' | 'bytes' | 'apiCalls' | 'startedAt' | 'finishedAt'>;

/** A job's or one object's pass alike: its own counts, and what the store holds after it. */
function figuresOf(p: Pass, t: StoredTotals | undefined, apiLimit: number | null): ObjectFigures {
  return {
    recordsProtected: n(t?.protected),
    filesProtected: n(t?.files_total),
    inserted: p.inserted,
    updated: p.updated,
    deleted: p.removed,
    bytesStored: n(t?.bytes_total),
    bytesAdded: p.bytes,
    durationMs: duration(p),
    apiCalls: p.apiCalls,
    apiShare: share(p.apiCalls, apiLimit),
  };
}

/**
 * The numbers the monitor shows (the page's job details and charts, the tile, `orgvault status`):
 * all read from the jobs' own counts, which the store wrote with the data they count.
 */
export class BackupMonitor {
  constructor(private readonly pool: Pool) {}

  async jobFigures(orgId: string, jobs: Job[]): Promise<Map<string, JobFigures>> {
    const ids = jobs.map((j) => j.id);
    const [totals, failed] = await Promise.all([
      this.pool.query<StoredTotals & { id: string }>(JOB_FIGURES, [orgId, ids]),
      this.pool.query<{ job_id: string; object: string; error: string | null }>(FAILED_OBJECTS, [orgId, ids]),
    ]);
    const byId = new Map(totals.rows.map((r) => [r.id, r]));
    const out = new Map<string, JobFigures>();
    for (const j of jobs) {
      const failedObjects = failed.rows.filter((f) => f.job_id === j.id).map((f) => ({ object: f.object, error: f.error }));
      out.set(j.id, { ...figuresOf(j, byId.get(j.id), j.apiLimit), apiLimit: j.apiLimit, failedObjects });
    }
    return out;
  }

  async objectFigures(orgId: string, job: Job, objects: JobObject[]): Promise<Map<string, ObjectFigures>> {
    const { rows } = await this.pool.query<StoredTotals & { object: string }>(OBJECT_TOTALS, [orgId, job.id]);
    const byObject = new Map(rows.map((r) => [r.object, r]));
    return new Map(objects.map((o) => [o.object, figuresOf(o, byObject.get(o.object), job.apiLimit)]));
  }

  /** The window's days, `to` (a UTC day) included; VALIDATION_FAILED beyond MAX_WINDOW_DAYS. */
  async series(orgId: string, window: { to: Date; days: number }): Promise<MonitorSeries> {
    if (!Number.isInteger(window.days) || window.days < 1 || window.days > MAX_WINDOW_DAYS)
      throw new OrgVaultError('VALIDATION_FAILED', `A window is 1 to ${MAX_WINDOW_DAYS} days`);
    const to = window.to.toISOString().slice(0, 10);
    const from = new Date(Date.parse(to) - (window.days - 1) * 86_400_000).toISOString().slice(0, 10);
    const params = [orgId, from, window.days];
    const [daily, changes] = await Promise.all([this.pool.query(DAILY_SERIES, params), this.pool.query(CHANGES_BY_OBJECT, params)]);
    const days: DayPoint[] = daily.rows.map((r) => ({
      day: r.day,
      jobs: r.jobs,
      failedJobs: r.failed_jobs,
      recordsProtected: n(r.protected),
      filesProtected: n(r.files_total),
      inserted: n(r.inserted),
      updated: n(r.updated),
      deleted: n(r.removed),
      bytesStored: n(r.bytes_total),
      bytesAdded: n(r.bytes),
      apiCalls: n(r.api_calls),
      apiLimit: r.api_limit === null ? null : n(r.api_limit),
      durationMs: r.duration_ms === null ? null : n(r.duration_ms),
    }));
    return {
      from,
      to,
      jobs: days.reduce((sum, d) => sum + d.jobs, 0),
      days,
      changesByObject: stackObjects(
        days.map((d) => d.day),
        changes.rows,
      ),
    };
  }

  /** Totals now, the newest restorable point, and whether the tile should warn. */
  async status(orgId: string, last: { status: JobStatus } | null, promise: ProtectionPromise, now = new Date()): Promise<ProtectionStatus> {
    const { rows } = await this.pool.query<{ protected: string; files_total: string; bytes_total: string; newest_point: Date | null }>(
      PROTECTION_TOTALS,
      [orgId],
    );
    const t = rows[0]!;
    const points = [t.newest_point, promise.continuousUntil].filter((d): d is Date => d !== null);
    const newest = points.length ? new Date(Math.max(...points.map((d) => d.getTime()))) : null;
    const age = newest ? Math.max(0, now.getTime() - newest.getTime()) : null;
    return {
      neverBackedUp: last === null,
      recordsProtected: n(t.protected),
      filesProtected: n(t.files_total),
      bytesStored: n(t.bytes_total),
      newestPointAt: newest,
      newestPointAgeMs: age,
      warning: warningOf(last, age, promise.everyMs),
    };
  }
}

function warningOf(last: { status: JobStatus } | null, ageMs: number | null, everyMs: number | null): ProtectionWarning | null {
  if (last?.status === 'failed') return { reason: 'failed', message: 'The last backup failed.' };
  if (last?.status === 'partial')
    return { reason: 'partial', message: 'The last backup left some objects out; the next one retries them.' };
  if (last && everyMs !== null && (ageMs === null || ageMs > everyMs + STALE_GRACE_MS)) {
    const hours = Math.round(everyMs / 360_000) / 10;
    return { reason: 'stale', message: `The newest restorable point is older than the schedule promises (a backup every ${hours} h).` };
  }
  return null;
}

/** The objects with the most changes each get a series; the others are summed as one. */
function stackObjects(
  days: string[],
  rows: Array<{ object: string; day: string; inserted: string; updated: string; removed: string }>,
): ObjectChanges[] {
  const at = new Map(days.map((d, i) => [d, i]));
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(r.object, (totals.get(r.object) ?? 0) + n(r.inserted) + n(r.updated) + n(r.removed));
  const ranked = [...totals.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([o]) => o);
  const named = new Set(ranked.slice(0, ranked.length > CHART_OBJECTS ? CHART_OBJECTS - 1 : CHART_OBJECTS));
  const series = new Map<string, ObjectChanges>();
  const zeros = () => days.map(() => 0);
  for (const object of [...ranked.filter((o) => named.has(o)), ...(ranked.length > named.size ? [OTHER_OBJECTS] : [])])
    series.set(object, { object, inserted: zeros(), updated: zeros(), deleted: zeros() });
  for (const r of rows) {
    const s = series.get(named.has(r.object) ? r.object : OTHER_OBJECTS)!;
    const i = at.get(r.day)!;
    s.inserted[i]! += n(r.inserted);
    s.updated[i]! += n(r.updated);
    s.deleted[i]! += n(r.removed);
  }
  return [...series.values()];
}
