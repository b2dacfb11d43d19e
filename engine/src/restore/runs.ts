import type { Pool } from 'pg';
import { OrgVaultError } from '../errors.js';

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed';

/** What a queued run restores, kept with it so any engine process can run (or resume) it. */
export interface StoredRequest {
  objects: string[];
  recordIds?: string[];
  /** Null: only the chosen records. */
  depth: number | null;
  mode: 'changed' | 'deleted' | 'overwrite';
}

export interface RunRow {
  orgId: string;
  id: string;
  targetOrgId: string;
  at: Date;
  status: RunStatus;
  request: StoredRequest;
  /** The plan once made, and the counts once finished. */
  summary: Record<string, unknown> | null;
  progress: { total: number; done: number } | null;
  error: string | null;
  createdBy: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export const RESTORE_CHANNEL = 'orgvault_restore_runs';

interface Row {
  org_id: string;
  id: string;
  target_org_id: string;
  at: Date;
  status: RunStatus;
  request: StoredRequest;
  mode: StoredRequest['mode'];
  objects: string[];
  summary: Record<string, unknown> | null;
  progress: { total: number; done: number } | null;
  error: string | null;
  created_by: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const toRun = (r: Row): RunRow => ({
  orgId: r.org_id,
  id: r.id,
  targetOrgId: r.target_org_id,
  at: r.at,
  status: r.status,
  // Runs from before the queue kept no request.
  request: r.request ?? { objects: r.objects, depth: null, mode: r.mode },
  summary: r.summary,
  progress: r.progress,
  error: r.error,
  createdBy: r.created_by,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

/** The restore_runs rows: a queue that engine processes claim from, and each run's state. */
export class RestoreRuns {
  constructor(private readonly pool: Pool) {}

  /** A new run, queued (NOTIFY wakes the workers), or already claimed by `claimedBy` to run in this process. */
  async insert(
    run: { orgId: string; id: string; targetOrgId: string; at: Date; request: StoredRequest; by: string | null },
    claimedBy?: string,
  ): Promise<RunRow> {
    const { rows } = await this.pool.query<Row>(
      `INSERT INTO restore_runs (org_id, id, target_org_id, mode, at, objects, request, status, created_by, worker_id, heartbeat_at, started_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CASE WHEN $10::text IS NULL THEN NULL ELSE now() END, CASE WHEN $10::text IS NULL THEN NULL ELSE now() END)
       RETURNING *`,
      [
        run.orgId,
        run.id,
        run.targetOrgId,
        run.request.mode,
        run.at,
        run.request.objects,
        JSON.stringify(run.request),
        claimedBy ? 'running' : 'queued',
        run.by,
        claimedBy ?? null,
      ],
    );
    if (!claimedBy) await this.pool.query(`NOTIFY ${RESTORE_CHANNEL}`);
    return toRun(rows[0]!);
  }

  /**
   * Claims one run: a queued one, or a running one whose worker stopped beating (its process
   * died) — only run `only` when given. The row lock with SKIP LOCKED makes the claim atomic
   * across processes.
   */
  async claim(workerId: string, staleMs: number, only?: string): Promise<RunRow | undefined> {
    const { rows } = await this.pool.query<Row>(
      `UPDATE restore_runs r SET status = 'running', worker_id = $1, heartbeat_at = now(), started_at = coalesce(r.started_at, now())
        WHERE (r.org_id, r.id) = (
          SELECT org_id, id FROM restore_runs
           WHERE (status = 'queued'
              OR (status = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < now() - make_interval(secs => $2::double precision / 1000))))
             AND ($3::uuid IS NULL OR id = $3::uuid)
           ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT 1)
        RETURNING r.*`,
      [workerId, staleMs, only ?? null],
    );
    return rows[0] ? toRun(rows[0]) : undefined;
  }

  async beat(run: RunRow, workerId: string): Promise<void> {
    await this.pool.query('UPDATE restore_runs SET heartbeat_at = now() WHERE org_id = $1 AND id = $2 AND worker_id = $3', [
      run.orgId,
      run.id,
      workerId,
    ]);
  }

  async progress(run: RunRow, progress: { total: number; done: number }, summary?: Record<string, unknown>): Promise<void> {
    await this.pool.query('UPDATE restore_runs SET progress = $3, summary = coalesce($4, summary) WHERE org_id = $1 AND id = $2', [
      run.orgId,
      run.id,
      JSON.stringify(progress),
      summary ? JSON.stringify(summary) : null,
    ]);
  }

  async finish(run: RunRow, status: 'succeeded' | 'failed', summary: Record<string, unknown>, error: string | null): Promise<void> {
    await this.pool.query(
      `UPDATE restore_runs SET status = $3, summary = $4, error = $5, finished_at = now(), worker_id = NULL WHERE org_id = $1 AND id = $2`,
      [run.orgId, run.id, status, JSON.stringify(summary), error],
    );
  }

  /** A run of `orgId`'s backup; NOT_FOUND for another org's run or an id that is none. */
  async get(orgId: string, id: string): Promise<RunRow> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM restore_runs WHERE org_id = $1 AND id::text = $2', [orgId, id]);
    if (!rows[0]) throw new OrgVaultError('NOT_FOUND', 'No such restore run');
    return toRun(rows[0]);
  }

  /** Runs of `orgId`'s backup, newest first. */
  async list(orgId: string, limit: number): Promise<RunRow[]> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM restore_runs WHERE org_id = $1 ORDER BY created_at DESC LIMIT $2', [
      orgId,
      limit,
    ]);
    return rows.map(toRun);
  }
}
