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
