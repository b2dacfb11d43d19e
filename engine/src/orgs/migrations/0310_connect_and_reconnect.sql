-- Logins in progress (OAuth 2.0 web-server flow): one row per authorize URL handed out, taken
-- (deleted) by the callback that presents its state, so a state works once. Only a SHA-256 of the
-- state is kept, and the PKCE verifier is sealed. Rows live minutes: the table never grows.
CREATE TABLE org_connect_states (
  state_hash      bytea PRIMARY KEY,
  tenant_id       uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  -- Who asked (X-OrgVault-User), for the record of who connected the org.
  requested_by    text,
  login_url       text NOT NULL,
  sealed_verifier text NOT NULL,
  -- Set when reconnecting: the callback must bring back this org and no other.
  org_id          uuid REFERENCES orgs(id) ON DELETE CASCADE,
  expires_at      timestamptz NOT NULL
);
CREATE INDEX org_connect_states_expiry ON org_connect_states (expires_at);

-- Salesforce refused our refresh token (invalid_grant): backups and the change stream pause until
-- an administrator reconnects the org; connecting it again clears both columns.
ALTER TABLE orgs ADD COLUMN reconnect_needed_at timestamptz, ADD COLUMN reconnect_reason text;
