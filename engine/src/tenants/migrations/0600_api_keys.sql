-- API keys: a tenant key reaches every org of its tenant; an org key (org_id set) is the one a
-- connected org's Named Credential carries and reaches only that org. Only a SHA-256 of the key
-- is kept; `prefix` (the key's first 12 characters, not secret) finds the candidates to compare.
CREATE TABLE api_keys (
  tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id          uuid NOT NULL,
  org_id      uuid REFERENCES orgs(id) ON DELETE CASCADE,
  name        text NOT NULL,
  prefix      text NOT NULL,
  key_hash    bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (id)
);
CREATE INDEX api_keys_prefix ON api_keys (prefix) WHERE revoked_at IS NULL;
CREATE UNIQUE INDEX api_keys_hash ON api_keys (key_hash);
