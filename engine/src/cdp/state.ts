import type { Pool } from '../infra/db.js';
import {
  ADD_FALLBACK,
  ENABLED_ORGS,
  GET_CHECKPOINT,
  GET_SETTINGS,
  LIST_FALLBACKS,
  PUT_SETTINGS,
  RESTART_COVERAGE,
  SAVE_CHECKPOINT,
  START_COVERAGE,
  SWITCH_TRANSPORT,
} from './sql.js';

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
  const { rows } = await pool.query(GET_SETTINGS, [orgId]);
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
  await pool.query(PUT_SETTINGS, [orgId, s.enabled, s.objects, JSON.stringify(s.selection), by, s.transport]);
}

export async function enabledOrgs(pool: Pool): Promise<string[]> {
  const { rows } = await pool.query<{ org_id: string }>(ENABLED_ORGS);
  return rows.map((r) => r.org_id);
}

export async function readCheckpoint(pool: Pool, orgId: string, channel: string): Promise<Checkpoint | undefined> {
  const { rows } = await pool.query(GET_CHECKPOINT, [orgId, channel]);
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
  await pool.query(SAVE_CHECKPOINT, [
    orgId,
    channel,
    cometd ? null : (c.replayId ?? null),
    c.lastCommitAt ?? null,
    c.caughtUpAt ?? null,
    c.events,
    c.reset === true,
    cometd ? (c.replayId ?? null) : null,
  ]);
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
  await pool.query(SWITCH_TRANSPORT, [orgId, channel, transport, reason, restartCoverage]);
}

/** Coverage starts anew now: a stream resumed at its tip covers nothing before it listened. */
export async function restartCoverage(pool: Pool, orgId: string, channel: string): Promise<void> {
  await pool.query(RESTART_COVERAGE, [orgId, channel]);
}

/** Starts coverage when protection is switched on (a stream that never ran covers nothing yet). */
export async function startCoverage(pool: Pool, orgId: string, channel: string): Promise<void> {
  await pool.query(START_COVERAGE, [orgId, channel]);
}

export async function recordFallback(pool: Pool, orgId: string, f: Omit<Fallback, 'at'>): Promise<void> {
  await pool.query(ADD_FALLBACK, [orgId, f.reason, f.objects, f.jobId, f.detail]);
}

export async function listFallbacks(pool: Pool, orgId: string, limit = 50): Promise<Fallback[]> {
  const { rows } = await pool.query(LIST_FALLBACKS, [orgId, limit]);
  return rows.map((r) => ({ at: r.at, reason: r.reason, objects: r.objects, jobId: r.job_id, detail: r.detail }));
}
