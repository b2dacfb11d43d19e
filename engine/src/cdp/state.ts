import type { Pool } from '../infra/db.js';

/** protection_on: the changes between the last backup and the stream's start are read by a backup. */
export type FallbackReason = 'protection_on' | 'gap_overflow' | 'replay_expired' | 'stream_down';

export interface CdpSettings {
  enabled: boolean;
  objects: string[];
  /** Per object: selected for Change Data Capture, or why not. */
  selection: Record<string, { selected: boolean; reason?: string }>;
  updatedAt: Date | null;
}

export interface Checkpoint {
  replayId: number | null;
  lastCommitAt: Date | null;
  coveredFrom: Date;
  caughtUpAt: Date | null;
  events: number;
}

export interface Fallback {
  at: Date;
  reason: FallbackReason;
  objects: string[];
  jobId: string | null;
  detail: string | null;
}

export async function readSettings(pool: Pool, orgId: string): Promise<CdpSettings> {
  const { rows } = await pool.query('SELECT enabled, objects, selection, updated_at FROM cdp_settings WHERE org_id = $1', [orgId]);
  const r = rows[0];
  return r
    ? { enabled: r.enabled, objects: r.objects, selection: r.selection, updatedAt: r.updated_at }
    : { enabled: false, objects: [], selection: {}, updatedAt: null };
}

export async function writeSettings(
  pool: Pool,
  orgId: string,
  s: Pick<CdpSettings, 'enabled' | 'objects' | 'selection'>,
  by: string | null,
): Promise<void> {
  await pool.query(
    `INSERT INTO cdp_settings (org_id, enabled, objects, selection, updated_at, updated_by) VALUES ($1, $2, $3, $4, now(), $5)
     ON CONFLICT (org_id) DO UPDATE SET enabled = $2, objects = $3, selection = $4, updated_at = now(), updated_by = $5`,
    [orgId, s.enabled, s.objects, JSON.stringify(s.selection), by],
  );
}

export async function enabledOrgs(pool: Pool): Promise<string[]> {
  const { rows } = await pool.query<{ org_id: string }>(
    `SELECT s.org_id FROM cdp_settings s JOIN orgs o ON o.id = s.org_id WHERE s.enabled AND o.disconnected_at IS NULL`,
  );
  return rows.map((r) => r.org_id);
}

export async function readCheckpoint(pool: Pool, orgId: string, channel: string): Promise<Checkpoint | undefined> {
  const { rows } = await pool.query(
    'SELECT replay_id, last_commit_at, covered_from, caught_up_at, events FROM cdp_checkpoints WHERE org_id = $1 AND channel = $2',
    [orgId, channel],
  );
  const r = rows[0];
  return r
    ? {
        replayId: r.replay_id === null ? null : Number(r.replay_id),
        lastCommitAt: r.last_commit_at,
        coveredFrom: r.covered_from,
        caughtUpAt: r.caught_up_at,
        events: Number(r.events),
      }
    : undefined;
}

/**
 * Moves the checkpoint; called only after the events it names are stored. `reset` forgets the
 * replay id and starts coverage anew (the events since are lost to us).
 */
export async function saveCheckpoint(
  pool: Pool,
  orgId: string,
  channel: string,
  c: { replayId?: number; lastCommitAt?: Date; caughtUpAt?: Date; events: number; reset?: boolean },
): Promise<void> {
  await pool.query(
    `INSERT INTO cdp_checkpoints (org_id, channel, replay_id, last_commit_at, covered_from, caught_up_at, events)
     VALUES ($1, $2, $3, $4, now(), $5, $6)
     ON CONFLICT (org_id, channel) DO UPDATE SET
       replay_id = CASE WHEN $7 THEN NULL ELSE coalesce($3, cdp_checkpoints.replay_id) END,
       last_commit_at = CASE WHEN $7 THEN NULL ELSE greatest($4, cdp_checkpoints.last_commit_at) END,
       covered_from = CASE WHEN $7 THEN now() ELSE cdp_checkpoints.covered_from END,
       caught_up_at = CASE WHEN $7 THEN NULL ELSE greatest($5, cdp_checkpoints.caught_up_at) END,
       events = cdp_checkpoints.events + $6, updated_at = now()`,
    [orgId, channel, c.replayId ?? null, c.lastCommitAt ?? null, c.caughtUpAt ?? null, c.events, c.reset === true],
  );
}

/** Starts coverage when protection is switched on (a stream that never ran covers nothing yet). */
export async function startCoverage(pool: Pool, orgId: string, channel: string): Promise<void> {
  await pool.query(
    `INSERT INTO cdp_checkpoints (org_id, channel, covered_from) VALUES ($1, $2, now()) ON CONFLICT (org_id, channel) DO NOTHING`,
    [orgId, channel],
  );
}

export async function recordFallback(pool: Pool, orgId: string, f: Omit<Fallback, 'at'>): Promise<void> {
  await pool.query('INSERT INTO cdp_fallbacks (org_id, reason, objects, job_id, detail) VALUES ($1, $2, $3, $4, $5)', [
    orgId,
    f.reason,
    f.objects,
    f.jobId,
    f.detail,
  ]);
}

export async function listFallbacks(pool: Pool, orgId: string, limit = 50): Promise<Fallback[]> {
  const { rows } = await pool.query(
    'SELECT at, reason, objects, job_id, detail FROM cdp_fallbacks WHERE org_id = $1 ORDER BY id DESC LIMIT $2',
    [orgId, limit],
  );
  return rows.map((r) => ({ at: r.at, reason: r.reason, objects: r.objects, jobId: r.job_id, detail: r.detail }));
}
