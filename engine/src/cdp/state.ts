import type { Pool } from '../infra/db.js';

/**
 * protection_on: the changes between the last backup and the stream's start are read by a backup.
 * transport_switch: the stream moved between Pub/Sub and CometD (a backup only when the new
 * transport has no replay id to resume from).
 */
export type FallbackReason = 'protection_on' | 'gap_overflow' | 'replay_expired' | 'stream_down' | 'transport_switch';

export type Transport = 'pubsub' | 'cometd';
/** auto: Pub/Sub, CometD while Pub/Sub cannot be reached. */
export type TransportMode = 'auto' | Transport;

export interface CdpSettings {
  enabled: boolean;
  objects: string[];
  /** Per object: selected for Change Data Capture, or why not. */
  selection: Record<string, { selected: boolean; reason?: string }>;
  transport: TransportMode;
  updatedAt: Date | null;
}

export interface Checkpoint {
  /** Pub/Sub's replay id. */
  replayId: number | null;
  cometdReplayId: number | null;
  /** The transport following the channel now, since when and why. */
  transport: Transport;
  transportSince: Date | null;
  transportReason: string | null;
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
  const { rows } = await pool.query('SELECT enabled, objects, selection, transport, updated_at FROM cdp_settings WHERE org_id = $1', [
    orgId,
  ]);
  const r = rows[0];
  return r
    ? { enabled: r.enabled, objects: r.objects, selection: r.selection, transport: r.transport, updatedAt: r.updated_at }
    : { enabled: false, objects: [], selection: {}, transport: 'auto', updatedAt: null };
}

export async function writeSettings(
  pool: Pool,
  orgId: string,
  s: Pick<CdpSettings, 'enabled' | 'objects' | 'selection' | 'transport'>,
  by: string | null,
): Promise<void> {
  await pool.query(
    `INSERT INTO cdp_settings (org_id, enabled, objects, selection, transport, updated_at, updated_by) VALUES ($1, $2, $3, $4, $6, now(), $5)
     ON CONFLICT (org_id) DO UPDATE SET enabled = $2, objects = $3, selection = $4, transport = $6, updated_at = now(), updated_by = $5`,
    [orgId, s.enabled, s.objects, JSON.stringify(s.selection), by, s.transport],
  );
}

/** Orgs whose change stream runs: enabled, connected, and not waiting for a reconnect (their checkpoint waits with them). */
export async function enabledOrgs(pool: Pool): Promise<string[]> {
  const { rows } = await pool.query<{ org_id: string }>(
    `SELECT s.org_id FROM cdp_settings s JOIN orgs o ON o.id = s.org_id
     WHERE s.enabled AND o.disconnected_at IS NULL AND o.reconnect_needed_at IS NULL`,
  );
  return rows.map((r) => r.org_id);
}

export async function readCheckpoint(pool: Pool, orgId: string, channel: string): Promise<Checkpoint | undefined> {
  const { rows } = await pool.query(
    `SELECT replay_id, cometd_replay_id, transport, transport_since, transport_reason, last_commit_at, covered_from, caught_up_at, events
     FROM cdp_checkpoints WHERE org_id = $1 AND channel = $2`,
    [orgId, channel],
  );
  const r = rows[0];
  return r
    ? {
        replayId: r.replay_id === null ? null : Number(r.replay_id),
        cometdReplayId: r.cometd_replay_id === null ? null : Number(r.cometd_replay_id),
        transport: r.transport,
        transportSince: r.transport_since,
        transportReason: r.transport_reason,
        lastCommitAt: r.last_commit_at,
        coveredFrom: r.covered_from,
        caughtUpAt: r.caught_up_at,
        events: Number(r.events),
      }
    : undefined;
}

/**
 * Moves the checkpoint; called only after the events it names are stored. `replayId` is the
 * transport's own (Pub/Sub by default). `reset` forgets the replay ids and starts coverage anew
 * (the events since are lost to us).
 */
export async function saveCheckpoint(
  pool: Pool,
  orgId: string,
  channel: string,
  c: { replayId?: number; transport?: Transport; lastCommitAt?: Date; caughtUpAt?: Date; events: number; reset?: boolean },
): Promise<void> {
  const cometd = c.transport === 'cometd';
  await pool.query(
    `INSERT INTO cdp_checkpoints (org_id, channel, replay_id, cometd_replay_id, last_commit_at, covered_from, caught_up_at, events)
     VALUES ($1, $2, $3, $8, $4, now(), $5, $6)
     ON CONFLICT (org_id, channel) DO UPDATE SET
       replay_id = CASE WHEN $7 THEN NULL ELSE coalesce($3, cdp_checkpoints.replay_id) END,
       cometd_replay_id = CASE WHEN $7 THEN NULL ELSE coalesce($8, cdp_checkpoints.cometd_replay_id) END,
       last_commit_at = CASE WHEN $7 THEN NULL ELSE greatest($4, cdp_checkpoints.last_commit_at) END,
       covered_from = CASE WHEN $7 THEN now() ELSE cdp_checkpoints.covered_from END,
       caught_up_at = CASE WHEN $7 THEN NULL ELSE greatest($5, cdp_checkpoints.caught_up_at) END,
       events = cdp_checkpoints.events + $6, updated_at = now()`,
    [
      orgId,
      channel,
      cometd ? null : (c.replayId ?? null),
      c.lastCommitAt ?? null,
      c.caughtUpAt ?? null,
      c.events,
      c.reset === true,
      cometd ? (c.replayId ?? null) : null,
    ],
  );
}

/**
 * Records that `transport` follows the channel from now on. `restartCoverage`: it resumes from
 * no stored point of its own, so the events between are covered only by a backup.
 */
export async function switchTransport(
  pool: Pool,
  orgId: string,
  channel: string,
  transport: Transport,
  reason: string,
  restartCoverage: boolean,
): Promise<void> {
  await pool.query(
    `UPDATE cdp_checkpoints SET transport = $3, transport_since = now(), transport_reason = $4,
       covered_from = CASE WHEN $5 THEN now() ELSE covered_from END,
       caught_up_at = CASE WHEN $5 THEN NULL ELSE caught_up_at END, updated_at = now()
     WHERE org_id = $1 AND channel = $2`,
    [orgId, channel, transport, reason, restartCoverage],
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
