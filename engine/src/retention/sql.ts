/** Every statement on the tables retention/ owns (see migrations/0900_legal_holds.sql). */

const HOLD_COLUMNS = `id, org_id, name, scope, created_by, created_at, released_by, released_at`;

/**
 * Placing a hold and asking whether one holds meet on this lock: a hold placed while a prune,
 * erasure or delete runs in its transaction waits for it, and one checked after sees the hold.
 */
export const LOCK_HOLDS_EXCLUSIVE = `SELECT pg_advisory_xact_lock(hashtextextended('orgvault.legal_holds:' || $1::text, 0))`;
export const LOCK_HOLDS_SHARED = `SELECT pg_advisory_xact_lock_shared(hashtextextended('orgvault.legal_holds:' || $1::text, 0))`;

export const INSERT_HOLD = `INSERT INTO legal_holds (org_id, id, tenant_id, name, scope, created_by)
  VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${HOLD_COLUMNS}`;

export const INSERT_HOLD_RECORDS = `INSERT INTO legal_hold_records (org_id, hold_id, record_id)
  SELECT $1, $2, r FROM unnest($3::text[]) AS r ON CONFLICT DO NOTHING`;

/** Newest first; $2 true adds released holds. */
export const LIST_HOLDS = `SELECT ${HOLD_COLUMNS} FROM legal_holds
  WHERE org_id = $1 AND ($2::boolean OR released_at IS NULL) ORDER BY created_at DESC, id`;

export const HOLD_RECORDS = `SELECT hold_id, record_id FROM legal_hold_records WHERE org_id = $1 AND hold_id = ANY($2::uuid[])
  ORDER BY hold_id, record_id`;

export const GET_HOLD = `SELECT ${HOLD_COLUMNS} FROM legal_holds WHERE org_id = $1 AND id = $2`;

export const RELEASE_HOLD = `UPDATE legal_holds SET released_at = now(), released_by = $3
  WHERE org_id = $1 AND id = $2 AND released_at IS NULL RETURNING ${HOLD_COLUMNS}`;

/**
 * The active holds that cover an action: every org-wide hold, and a records hold when $2 is null
 * (the action touches the whole org) or names one of its records. With each, up to 5 of the
 * records it matched, so the refusal can say which.
 */
export const COVERING_HOLDS = `SELECT h.id, h.name, h.scope, h.created_by, h.created_at,
    CASE WHEN h.scope = 'records' AND $2::text[] IS NOT NULL THEN ARRAY(
      SELECT r.record_id FROM legal_hold_records r
      WHERE r.org_id = h.org_id AND r.hold_id = h.id AND r.record_id = ANY($2::text[]) ORDER BY r.record_id LIMIT 5)
    END AS matched
  FROM legal_holds h
  WHERE h.org_id = $1 AND h.released_at IS NULL AND (h.scope = 'org' OR $2::text[] IS NULL OR EXISTS (
    SELECT 1 FROM legal_hold_records r WHERE r.org_id = h.org_id AND r.hold_id = h.id AND r.record_id = ANY($2::text[])))
  ORDER BY h.created_at, h.id`;

/** Every record an active records hold keeps (prune keeps all their versions). */
export const HELD_RECORDS = `SELECT DISTINCT r.record_id FROM legal_hold_records r
  JOIN legal_holds h ON h.org_id = r.org_id AND h.id = r.hold_id
  WHERE r.org_id = $1 AND h.released_at IS NULL`;

// Retention policies: the org's row, else the tenant's default (org_id NULL), else none (keep everything).

const POLICY_COLUMNS = 'org_id, keep_all_days, daily_weeks, weekly_months, monthly_years, updated_by, updated_at';

/** The org's policy and the tenant's default, the org's first. */
export const POLICIES_OF = `SELECT ${POLICY_COLUMNS} FROM retention_policies
  WHERE tenant_id = $1 AND (org_id = $2 OR org_id IS NULL) ORDER BY org_id NULLS LAST`;

export const DELETE_POLICY = `DELETE FROM retention_policies WHERE tenant_id = $1 AND org_id IS NOT DISTINCT FROM $2::uuid`;
export const INSERT_POLICY = `INSERT INTO retention_policies (tenant_id, org_id, keep_all_days, daily_weeks, weekly_months, monthly_years, updated_by)
  VALUES ($1, $2, $3, $4, $5, $6, $7)`;

// Prune runs.

/** One prune per org: a session lock on the run's own connection (it dies with a killed process). */
export const TRY_LOCK_PRUNE = `SELECT pg_try_advisory_lock(hashtextextended('orgvault.prune:' || $1::text, 0)) AS locked`;
export const UNLOCK_PRUNE = `SELECT pg_advisory_unlock(hashtextextended('orgvault.prune:' || $1::text, 0))`;

const RUN_COLUMNS = `id, cutoff, policy, phase, started_by, started_at, finished_at, versions_removed::float8, packs_rewritten, packs_deleted,
  bytes_before::float8, bytes_after::float8, refs_removed::float8, files_deleted, file_bytes::float8`;

export const OPEN_RUN = `SELECT ${RUN_COLUMNS} FROM prune_runs WHERE org_id = $1 AND finished_at IS NULL`;
export const INSERT_RUN = `INSERT INTO prune_runs (org_id, id, tenant_id, cutoff, policy, phase, started_by) VALUES ($1, $2, $3, $4, $5, 'versions', $6)
  RETURNING ${RUN_COLUMNS}`;
export const ADD_PACK_COUNTS = `UPDATE prune_runs SET versions_removed = versions_removed + $3, packs_rewritten = packs_rewritten + $4,
  packs_deleted = packs_deleted + $5, bytes_before = bytes_before + $6, bytes_after = bytes_after + $7 WHERE org_id = $1 AND id = $2`;
export const ADD_REF_COUNTS = `UPDATE prune_runs SET refs_removed = refs_removed + $3 WHERE org_id = $1 AND id = $2`;
export const SET_PHASE = `UPDATE prune_runs SET phase = $3 WHERE org_id = $1 AND id = $2`;
export const FINISH_RUN = `UPDATE prune_runs SET phase = 'done', finished_at = now(), files_deleted = files_deleted + $3, file_bytes = file_bytes + $4
  WHERE org_id = $1 AND id = $2 RETURNING ${RUN_COLUMNS}`;
export const LIST_RUNS = `SELECT ${RUN_COLUMNS} FROM prune_runs WHERE org_id = $1 ORDER BY started_at DESC LIMIT $2`;

// Erasure requests (migration 0910).

const ERASURE_COLUMNS = `id, org_id, reference, objects, record_ids, value_macs, value_lengths, status, phase, dry_run, requested_by, requested_at,
  approved_by, approved_at, finished_at, versions_removed::float8, packs_rewritten, packs_deleted, refs_removed::float8, files_deleted,
  file_bytes::float8`;

export const INSERT_ERASURE = `INSERT INTO erasure_requests (org_id, id, tenant_id, reference, objects, record_ids, value_macs, value_lengths,
    status, dry_run, requested_by)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10) RETURNING ${ERASURE_COLUMNS}`;
export const GET_ERASURE = `SELECT ${ERASURE_COLUMNS} FROM erasure_requests WHERE org_id = $1 AND id = $2`;
export const LIST_ERASURES = `SELECT ${ERASURE_COLUMNS} FROM erasure_requests WHERE org_id = $1 ORDER BY requested_at DESC, id LIMIT $2`;
export const SET_ERASURE_DRY_RUN = `UPDATE erasure_requests SET dry_run = $3 WHERE org_id = $1 AND id = $2 RETURNING ${ERASURE_COLUMNS}`;

/** Approval: only of a pending request, and only by another administrator than the one who asked. */
export const APPROVE_ERASURE = `UPDATE erasure_requests SET status = 'running', phase = 'versions', approved_by = $3, approved_at = now(), dry_run = $4
  WHERE org_id = $1 AND id = $2 AND status = 'pending' AND requested_by <> $3 RETURNING ${ERASURE_COLUMNS}`;
export const INSERT_ERASURE_RECORDS = `INSERT INTO erasure_records (org_id, request_id, object, record_id)
  SELECT $1, $2, o, r FROM unnest($3::text[], $4::text[]) AS x(o, r) ON CONFLICT DO NOTHING`;
export const ERASURE_RECORDS = `SELECT object, record_id FROM erasure_records WHERE org_id = $1 AND request_id = $2 ORDER BY object, record_id`;
export const INSERT_LEDGER = `INSERT INTO erasure_ledger (org_id, kind, object, field, mac, request_id)
  SELECT $1, k, o, f, m, $2 FROM unnest($3::text[], $4::text[], $5::text[], $6::bytea[]) AS x(k, o, f, m) ON CONFLICT DO NOTHING`;
export const LEDGER_OF = `SELECT kind, object, field, encode(mac, 'hex') AS mac FROM erasure_ledger WHERE org_id = $1`;

export const ADD_ERASURE_PACKS = `UPDATE erasure_requests SET versions_removed = versions_removed + $3, packs_rewritten = packs_rewritten + $4,
  packs_deleted = packs_deleted + $5 WHERE org_id = $1 AND id = $2`;
export const INSERT_ERASURE_FILES = `INSERT INTO erasure_files (org_id, request_id, content_hash)
  SELECT $1, $2, h FROM unnest($3::text[]) h ON CONFLICT DO NOTHING`;
export const ERASURE_FILES = `SELECT content_hash FROM erasure_files WHERE org_id = $1 AND request_id = $2 ORDER BY content_hash`;
export const SET_ERASURE_FILES_PHASE = `UPDATE erasure_requests SET phase = 'files', refs_removed = refs_removed + $3 WHERE org_id = $1 AND id = $2`;
export const FINISH_ERASURE = `UPDATE erasure_requests SET status = 'done', phase = NULL, finished_at = now(), files_deleted = files_deleted + $3,
  file_bytes = file_bytes + $4 WHERE org_id = $1 AND id = $2 RETURNING ${ERASURE_COLUMNS}`;
