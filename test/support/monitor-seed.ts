import { randomUUID } from 'node:crypto';
import type { Pool } from '../../engine/src/infra/db.js';
import { rollUpJob } from '../../engine/src/backup/state.js';

/** One object's pass of a seeded job: what it changed and spent. */
export interface SeedPass {
  object: string;
  inserted?: number;
  updated?: number;
  removed?: number;
  bytes?: number;
  files?: number;
  /** Stored bytes of those files. */
  fileBytes?: number;
  apiCalls?: number;
  failed?: string;
}

export interface SeedJob {
  /** Start of the job (its queue time too). */
  at: Date;
  durationMs?: number;
  status?: 'succeeded' | 'partial' | 'failed' | 'skipped';
  apiLimit?: number;
  passes: SeedPass[];
}

/**
 * Finished backup jobs as the runner leaves them (passes written straight into the tables, then
 * totals rolled up as the runner does): for the monitor's suites and bench, which need a year of history
 * without running a year of backups. Returns the jobs' ids in order.
 */
export async function seedJobs(pool: Pool, orgId: string, jobs: SeedJob[]): Promise<string[]> {
  const cycle = randomUUID();
  await pool.query(`INSERT INTO backup_cycles (org_id, id, started_at, ends_at) VALUES ($1, $2, '2000-01-01', '2100-01-01')`, [
    orgId,
    cycle,
  ]);
  const ids: string[] = [];
  for (const [i, j] of jobs.entries()) {
    const id = randomUUID();
    const finished = new Date(j.at.getTime() + (j.durationMs ?? 60_000));
    await pool.query(
      `INSERT INTO backup_jobs (org_id, id, cycle_id, kind, trigger, status, created_at, started_at, finished_at)
       VALUES ($1, $2, $3, $4, 'scheduled', $5, $6, $6, $7)`,
      [orgId, id, cycle, i === 0 ? 'full' : 'incremental', j.status ?? 'succeeded', j.at, finished],
    );
    const p = j.passes;
    await pool.query(
      `INSERT INTO backup_job_objects (org_id, job_id, object, pass, status, records, inserted, updated, removed, deleted, bytes, files,
                                       file_bytes, api_calls, started_at, finished_at, error)
       SELECT $1, $2, t.object, 'incremental', CASE WHEN t.error IS NULL THEN 'succeeded' ELSE 'failed' END, t.ins + t.upd, t.ins, t.upd,
              t.rem, t.rem, t.bytes, t.files, t.file_bytes, t.calls, $3, $4, t.error
         FROM unnest($5::text[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::text[], $13::bigint[])
              AS t(object, ins, upd, rem, bytes, files, calls, error, file_bytes)`,
      [
        orgId,
        id,
        j.at,
        finished,
        p.map((x) => x.object),
        p.map((x) => x.inserted ?? 0),
        p.map((x) => x.updated ?? 0),
        p.map((x) => x.removed ?? 0),
        p.map((x) => x.bytes ?? 0),
        p.map((x) => x.files ?? 0),
        p.map((x) => x.apiCalls ?? 0),
        p.map((x) => x.failed ?? null),
        p.map((x) => x.fileBytes ?? 0),
      ],
    );
    await rollUpJob(pool, orgId, id, j.apiLimit);
    ids.push(id);
  }
  return ids;
}
