/** Every statement on the audit tables, which audit/ owns (see migrations/0800_audit.sql). */

export const ENTRY_COLUMNS =
  'tenant_id, seq, at, org_id, actor, key_id, source, action, target, outcome, code, request_id, details, prev_hash, hash';

/** A tenant's chain starts at the zero hash the first time it records anything. */
export const ENSURE_CHAIN = `INSERT INTO audit_chains (tenant_id, head_hash, anchor_hash) VALUES ($1, $2, $2)
  ON CONFLICT (tenant_id) DO NOTHING`;

/** Serialises a prune with appends: the head row stays locked until the prune commits. */
export const LOCK_HEAD = 'SELECT head_seq FROM audit_chains WHERE tenant_id = $1 FOR UPDATE';

/**
 * One entry chained and the head moved, in one round trip (migration 0810): $1-$12 the entry's
 * fields but its sequence number, $13/$14 the hashed text around that number.
 */
export const APPEND = `SELECT entry_seq, entry_prev, entry_hash, forwards
  FROM audit_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`;

/**
 * Newest first, filtered; $7 is the paging cursor (entries below that sequence number), $8 the
 * page size. Null parameters filter nothing.
 */
export const LIST_ENTRIES = `SELECT ${ENTRY_COLUMNS} FROM audit_entries
  WHERE tenant_id = $1 AND ($2::uuid IS NULL OR org_id = $2) AND ($3::text IS NULL OR actor = $3)
    AND ($4::text IS NULL OR action = $4) AND ($5::timestamptz IS NULL OR at >= $5)
    AND ($6::timestamptz IS NULL OR at < $6) AND ($7::bigint IS NULL OR seq < $7)
  ORDER BY seq DESC LIMIT $8`;

/** The same filters oldest first, after sequence number $7: what an export walks. */
export const EXPORT_ENTRIES = `SELECT ${ENTRY_COLUMNS} FROM audit_entries
  WHERE tenant_id = $1 AND ($2::uuid IS NULL OR org_id = $2) AND ($3::text IS NULL OR actor = $3)
    AND ($4::text IS NULL OR action = $4) AND ($5::timestamptz IS NULL OR at >= $5)
    AND ($6::timestamptz IS NULL OR at < $6) AND seq > $7
  ORDER BY seq LIMIT $8`;

/** Oldest first from a sequence number on: what verify and forwarding walk. */
export const ENTRIES_FROM = `SELECT ${ENTRY_COLUMNS} FROM audit_entries
  WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`;

export const CHAIN =
  'SELECT tenant_id, head_seq, head_hash, anchor_seq, anchor_hash, retention_days FROM audit_chains WHERE tenant_id = $1';

export const ALL_CHAINS = 'SELECT tenant_id FROM audit_chains ORDER BY created_at, tenant_id';

export const SET_RETENTION = 'UPDATE audit_chains SET retention_days = $2 WHERE tenant_id = $1';

/** The newest entry past the tenant's retention: where a prune cuts the chain. */
export const PRUNE_POINT = `SELECT e.seq, e.hash FROM audit_entries e JOIN audit_chains c USING (tenant_id)
  WHERE e.tenant_id = $1 AND e.seq > c.anchor_seq AND e.at < now() - make_interval(days => c.retention_days)
  ORDER BY e.seq DESC LIMIT 1`;

export const MOVE_ANCHOR = 'UPDATE audit_chains SET anchor_seq = $2, anchor_hash = $3 WHERE tenant_id = $1';

export const DELETE_UP_TO_ANCHOR = `DELETE FROM audit_entries e USING audit_chains c
  WHERE e.tenant_id = $1 AND c.tenant_id = e.tenant_id AND e.seq <= c.anchor_seq`;

export const SET_FORWARDING = `INSERT INTO audit_forwarding (tenant_id, url, forwarded_seq)
  SELECT $1, $2, coalesce((SELECT head_seq FROM audit_chains WHERE tenant_id = $1), 0)
  ON CONFLICT (tenant_id) DO UPDATE SET url = EXCLUDED.url, last_error = NULL, last_error_at = NULL`;

export const CLEAR_FORWARDING = 'DELETE FROM audit_forwarding WHERE tenant_id = $1';

export const FORWARDING_OF = 'SELECT url, forwarded_seq, last_error, last_error_at FROM audit_forwarding WHERE tenant_id = $1';

export const FORWARDED_TENANTS = 'SELECT tenant_id FROM audit_forwarding';

/** Takes the tenant's forwarding for a while; null when another process holds it or none is set. */
export const LEASE_FORWARDING = `UPDATE audit_forwarding SET lease_until = now() + make_interval(secs => $2)
  WHERE tenant_id = $1 AND (lease_until IS NULL OR lease_until < now())
  RETURNING url, forwarded_seq`;

export const FORWARDED = `UPDATE audit_forwarding SET forwarded_seq = greatest(forwarded_seq, $2), last_error = NULL, last_error_at = NULL
  WHERE tenant_id = $1`;

export const FORWARD_FAILED = 'UPDATE audit_forwarding SET last_error = $2, last_error_at = now() WHERE tenant_id = $1';

export const RELEASE_FORWARDING = 'UPDATE audit_forwarding SET lease_until = NULL WHERE tenant_id = $1';
