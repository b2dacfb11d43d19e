/** Every statement on the tables tenants/ owns: tenants and api_keys (see migrations/). */

const TENANT_COLUMNS = 'id, name, created_at';

export const INSERT_TENANT = `INSERT INTO tenants (id, name) VALUES ($1, $2) RETURNING ${TENANT_COLUMNS}`;

export const GET_TENANT = `SELECT ${TENANT_COLUMNS} FROM tenants WHERE id = $1`;

/** Names are the operator's labels, not unique: the oldest wins. */
export const FIND_TENANT_BY_NAME = `SELECT ${TENANT_COLUMNS} FROM tenants WHERE name = $1 ORDER BY created_at LIMIT 1`;

const KEY_COLUMNS = 'id, tenant_id, org_id, name, prefix, created_at, revoked_at';

export const INSERT_KEY = `INSERT INTO api_keys (tenant_id, id, org_id, name, prefix, key_hash) VALUES ($1, $2, $3, $4, $5, $6)
  RETURNING ${KEY_COLUMNS}`;

export const LIST_KEYS = `SELECT ${KEY_COLUMNS} FROM api_keys WHERE tenant_id = $1 ORDER BY created_at, id`;

/** Revoking twice keeps the first time. */
export const REVOKE_KEY = `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE tenant_id = $1 AND id = $2
  RETURNING ${KEY_COLUMNS}`;

export const REVOKE_ORG_KEYS = 'UPDATE api_keys SET revoked_at = now() WHERE tenant_id = $1 AND org_id = $2 AND revoked_at IS NULL';

/** Live keys with this prefix; an org key dies with its org's connection. */
export const LIVE_KEYS_BY_PREFIX = `SELECT k.id, k.tenant_id, k.org_id, k.name, k.key_hash FROM api_keys k
   LEFT JOIN orgs o ON o.id = k.org_id
  WHERE k.prefix = $1 AND k.revoked_at IS NULL AND o.disconnected_at IS NULL`;

export const KEY_EXISTS = 'SELECT 1 FROM api_keys WHERE key_hash = $1';
