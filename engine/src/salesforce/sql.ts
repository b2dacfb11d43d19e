/**
 * Every PostgreSQL statement on the table salesforce/ owns: org_connections (how to reach each
 * org, secrets sealed). SOQL is built beside the readers that send it, in this folder.
 */

/** Stores or replaces how to reach an org; its status goes back to connected. */
export const SAVE_CONNECTION = `INSERT INTO org_connections (org_id, kind, settings, sealed_secrets, api_version, budget_percent, sf_user_id, username)
  VALUES ($1, $2, $3, $4, $5, COALESCE($6, 50), $7, $8)
  ON CONFLICT (org_id) DO UPDATE SET kind = EXCLUDED.kind, settings = EXCLUDED.settings, sealed_secrets = EXCLUDED.sealed_secrets,
    api_version = EXCLUDED.api_version, budget_percent = COALESCE($6, org_connections.budget_percent),
    sf_user_id = EXCLUDED.sf_user_id, username = EXCLUDED.username,
    status = 'connected', status_message = NULL, updated_at = now()`;

export const GET_CONNECTION = 'SELECT * FROM org_connections WHERE org_id = $1';

export const SET_CONNECTION_SECRETS = 'UPDATE org_connections SET settings = $2, sealed_secrets = $3, updated_at = now() WHERE org_id = $1';

export const SET_AUTH_FAILED = `UPDATE org_connections SET status = 'auth_failed', status_message = $2, updated_at = now() WHERE org_id = $1`;

export const SET_BUDGET_PERCENT = 'UPDATE org_connections SET budget_percent = $2, updated_at = now() WHERE org_id = $1';

export const DELETE_CONNECTION = 'DELETE FROM org_connections WHERE org_id = $1';
