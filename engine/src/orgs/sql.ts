/**
 * Every statement on the orgs table, which orgs/ owns (see migrations/): the registry's, the
 * facts the schedule reads, and the operator's lookups. Other domains reach org rows through
 * orgs/, never with SQL of their own.
 */

export const ORG_COLUMNS =
  'id, tenant_id, sf_org_id, name, instance_url, is_sandbox, time_zone, hidden, connected_at, reconnect_needed_at, reconnect_reason';

/** Connected orgs of a tenant, or its one org for an org key ($2 null: all). */
export const LIST_IN_SCOPE = `SELECT ${ORG_COLUMNS} FROM orgs WHERE tenant_id = $1 AND disconnected_at IS NULL AND ($2::uuid IS NULL OR id = $2)
  ORDER BY name, id`;

export const GET_IN_TENANT = `SELECT ${ORG_COLUMNS} FROM orgs WHERE tenant_id = $1 AND id = $2 AND disconnected_at IS NULL`;

/** Disconnected orgs whose backups are kept, in a scope ($1 null: every tenant's; $2 an org key's org), latest disconnect first. */
export const LIST_DISCONNECTED = `SELECT ${ORG_COLUMNS}, disconnected_at FROM orgs
  WHERE disconnected_at IS NOT NULL AND backups_deleted_at IS NULL AND ($1::uuid IS NULL OR tenant_id = $1) AND ($2::uuid IS NULL OR id = $2)
  ORDER BY disconnected_at DESC, id`;

/** An org whose backups are kept: connected, or disconnected with its backups not deleted. */
export const GET_WITH_BACKUPS = `SELECT ${ORG_COLUMNS}, disconnected_at FROM orgs WHERE tenant_id = $1 AND id = $2 AND backups_deleted_at IS NULL`;

/** Every connected org of every tenant, oldest connection first (the operator's CLI). */
export const LIST_CONNECTED = `SELECT ${ORG_COLUMNS} FROM orgs WHERE disconnected_at IS NULL ORDER BY connected_at`;

/** Adds an org to its tenant, or brings a disconnected one back with fresh identity. */
export const REGISTER = `INSERT INTO orgs (id, tenant_id, sf_org_id, name, instance_url, is_sandbox, time_zone)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
  ON CONFLICT (tenant_id, sf_org_id) DO UPDATE SET
    name = EXCLUDED.name, instance_url = EXCLUDED.instance_url, is_sandbox = EXCLUDED.is_sandbox,
    time_zone = EXCLUDED.time_zone, disconnected_at = NULL, reconnect_needed_at = NULL, reconnect_reason = NULL,
    backups_deleted_at = NULL,
    connected_at = CASE WHEN orgs.disconnected_at IS NULL THEN orgs.connected_at ELSE now() END
  RETURNING ${ORG_COLUMNS}`;

export const SET_HIDDEN = `UPDATE orgs SET hidden = $3 WHERE tenant_id = $1 AND id = $2 RETURNING ${ORG_COLUMNS}`;

export const DISCONNECT = 'UPDATE orgs SET disconnected_at = now() WHERE tenant_id = $1 AND id = $2';

const FACT_COLUMNS = `id, tenant_id AS "tenantId", name, is_sandbox AS "isSandbox", time_zone AS "timeZone",
  connected_at AS "connectedAt", disconnected_at IS NOT NULL AS disconnected, reconnect_needed_at IS NOT NULL AS "reconnectNeeded",
  reconnect_reason AS "reconnectReason"`;

/** An org's facts whether connected or not (the schedule reads them). */
export const FACTS_OF = `SELECT ${FACT_COLUMNS} FROM orgs WHERE id = $1`;

export const FACTS_OF_CONNECTED = `SELECT ${FACT_COLUMNS} FROM orgs WHERE disconnected_at IS NULL`;

/** Whether a tenant's org is connected (before a key is made for it). */
export const CONNECTED_IN_TENANT = 'SELECT 1 FROM orgs WHERE tenant_id = $1 AND id = $2 AND disconnected_at IS NULL';

/** Locks a connected org's row for a transaction's decision (opening a backup job). */
export const LOCK_CONNECTED = 'SELECT id FROM orgs WHERE id = $1 AND disconnected_at IS NULL FOR UPDATE';

/** Marks a connected org as needing a reconnect; answers the row only when this call made the change (one mail). */
export const MARK_RECONNECT_NEEDED = `UPDATE orgs SET reconnect_needed_at = now(), reconnect_reason = $2
  WHERE id = $1 AND disconnected_at IS NULL AND reconnect_needed_at IS NULL RETURNING ${ORG_COLUMNS}`;

/** A login handed out (see migrations/0310). */
export const INSERT_CONNECT_STATE = `INSERT INTO org_connect_states (state_hash, tenant_id, requested_by, login_url, sealed_verifier, org_id, expires_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7)`;

/** Takes a login by its state: once, and only before it expires (an expired one is removed all the same). */
export const TAKE_CONNECT_STATE = `DELETE FROM org_connect_states WHERE state_hash = $1
  RETURNING tenant_id AS "tenantId", requested_by AS "requestedBy", login_url AS "loginUrl", sealed_verifier AS "sealedVerifier",
    org_id AS "orgId", expires_at AS "expiresAt"`;

export const PURGE_CONNECT_STATES = 'DELETE FROM org_connect_states WHERE expires_at < $1';

/** The deletion of a disconnected org's backups is under way (backup-deletion.ts). */
export const MARK_BACKUPS_DELETED =
  'UPDATE orgs SET backups_deleted_at = now() WHERE tenant_id = $1 AND id = $2 AND disconnected_at IS NOT NULL';

/** Disconnected orgs whose backups were being deleted: a start finishes what a stop cut short. */
export const BACKUPS_DELETED = 'SELECT id FROM orgs WHERE backups_deleted_at IS NOT NULL AND disconnected_at IS NOT NULL';
