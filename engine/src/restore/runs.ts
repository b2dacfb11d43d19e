import * as sql from './sql.js';
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
  fields?: string[];
  /** true: records modified after the backup keep their fields; a time: after that time. */
  keepNewer?: true | string;
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
    const { rows } = await this.pool.query<Row>(sql.INSERT_RUN, [
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
    ]);
    if (!claimedBy) await this.pool.query(sql.NOTIFY_RUNS);
    return toRun(rows[0]!);
  }

  /**
   * Claims one run: a queued one, or a running one whose worker stopped beating (its process
   * died) — only run `only` when given. The row lock with SKIP LOCKED makes the claim atomic
   * across processes.
   */
  async claim(workerId: string, staleMs: number, only?: string): Promise<RunRow | undefined> {
    const { rows } = await this.pool.query<Row>(sql.CLAIM_RUN, [workerId, staleMs, only ?? null]);
    return rows[0] ? toRun(rows[0]) : undefined;
  }

  async beat(run: RunRow, workerId: string): Promise<void> {
    await this.pool.query(sql.BEAT, [run.orgId, run.id, workerId]);
  }

  async progress(run: RunRow, progress: { total: number; done: number }, summary?: Record<string, unknown>): Promise<void> {
    await this.pool.query(sql.PROGRESS, [run.orgId, run.id, JSON.stringify(progress), summary ? JSON.stringify(summary) : null]);
  }

  async finish(run: RunRow, status: 'succeeded' | 'failed', summary: Record<string, unknown>, error: string | null): Promise<void> {
    await this.pool.query(sql.FINISH_RUN, [run.orgId, run.id, status, JSON.stringify(summary), error]);
  }

  /** A run of `orgId`'s backup; NOT_FOUND for another org's run or an id that is none. */
  async get(orgId: string, id: string): Promise<RunRow> {
    const { rows } = await this.pool.query<Row>(sql.GET_RUN, [orgId, id]);
    if (!rows[0]) throw new OrgVaultError('NOT_FOUND', 'No such restore run');
    return toRun(rows[0]);
  }

  /** Runs of `orgId`'s backup, newest first. */
  async list(orgId: string, limit: number): Promise<RunRow[]> {
    const { rows } = await this.pool.query<Row>(sql.LIST_RUNS, [orgId, limit]);
    return rows.map(toRun);
  }
}
