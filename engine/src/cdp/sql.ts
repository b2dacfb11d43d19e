/**
 * Every statement on the tables cdp/ owns (see migrations/): settings, checkpoints per channel,
 * fall-backs, and the advisory lock that makes one process the consumer of a channel.
 */

export const GET_SETTINGS = 'SELECT enabled, objects, selection, transport, updated_at FROM cdp_settings WHERE org_id = $1';

export const PUT_SETTINGS = `INSERT INTO cdp_settings (org_id, enabled, objects, selection, transport, updated_at, updated_by) VALUES ($1, $2, $3, $4, $6, now(), $5)
  ON CONFLICT (org_id) DO UPDATE SET enabled = $2, objects = $3, selection = $4, transport = $6, updated_at = now(), updated_by = $5`;

/** Connected orgs with protection on. */
/** An org waiting for a reconnect is left out: its stream pauses, its checkpoint waits for it. */
export const ENABLED_ORGS = `SELECT s.org_id FROM cdp_settings s JOIN orgs o ON o.id = s.org_id
  WHERE s.enabled AND o.disconnected_at IS NULL AND o.reconnect_needed_at IS NULL`;

export const GET_CHECKPOINT = `SELECT replay_id, cometd_replay_id, transport, transport_since, transport_reason, last_commit_at, covered_from, caught_up_at, events
  FROM cdp_checkpoints WHERE org_id = $1 AND channel = $2`;

/** Moves a checkpoint forward ($3 Pub/Sub and $8 CometD replay ids, each kept when null); $7 resets it and starts coverage anew. */
export const SAVE_CHECKPOINT = `INSERT INTO cdp_checkpoints (org_id, channel, replay_id, cometd_replay_id, last_commit_at, covered_from, caught_up_at, events)
  VALUES ($1, $2, $3, $8, $4, now(), $5, $6)
  ON CONFLICT (org_id, channel) DO UPDATE SET
    replay_id = CASE WHEN $7 THEN NULL ELSE coalesce($3, cdp_checkpoints.replay_id) END,
    cometd_replay_id = CASE WHEN $7 THEN NULL ELSE coalesce($8, cdp_checkpoints.cometd_replay_id) END,
    last_commit_at = CASE WHEN $7 THEN NULL ELSE greatest($4, cdp_checkpoints.last_commit_at) END,
    covered_from = CASE WHEN $7 THEN now() ELSE cdp_checkpoints.covered_from END,
    caught_up_at = CASE WHEN $7 THEN NULL ELSE greatest($5, cdp_checkpoints.caught_up_at) END,
    events = cdp_checkpoints.events + $6, updated_at = now()`;

/** $5: coverage restarts (the new transport has no stored point of its own). */
export const SWITCH_TRANSPORT = `UPDATE cdp_checkpoints SET transport = $3, transport_since = now(), transport_reason = $4,
    covered_from = CASE WHEN $5 THEN now() ELSE covered_from END,
    caught_up_at = CASE WHEN $5 THEN NULL ELSE caught_up_at END, updated_at = now()
  WHERE org_id = $1 AND channel = $2`;

export const RESTART_COVERAGE = `UPDATE cdp_checkpoints SET covered_from = now(), updated_at = now() WHERE org_id = $1 AND channel = $2`;

export const START_COVERAGE = `INSERT INTO cdp_checkpoints (org_id, channel, covered_from) VALUES ($1, $2, now()) ON CONFLICT (org_id, channel) DO NOTHING`;

export const ADD_FALLBACK = 'INSERT INTO cdp_fallbacks (org_id, reason, objects, job_id, detail) VALUES ($1, $2, $3, $4, $5)';

export const LIST_FALLBACKS = 'SELECT at, reason, objects, job_id, detail FROM cdp_fallbacks WHERE org_id = $1 ORDER BY id DESC LIMIT $2';

/** A session-level lock on a channel ($1): held as long as the connection that took it lives. */
export const TRY_CHANNEL_LOCK = "SELECT pg_try_advisory_lock(hashtext('orgvault_cdp'), hashtext($1)) AS ok";

export const RELEASE_CHANNEL_LOCK = "SELECT pg_advisory_unlock(hashtext('orgvault_cdp'), hashtext($1))";
