-- Tenants own organizations; every table that grows with data leads with tenant_id or org_id so
-- the store can later be distributed (Citus) on that key.
CREATE TABLE tenants (
  id          uuid PRIMARY KEY,
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orgs (
  id              uuid PRIMARY KEY,
  tenant_id       uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  sf_org_id       text NOT NULL,
  name            text NOT NULL,
  instance_url    text NOT NULL,
  is_sandbox      boolean NOT NULL DEFAULT false,
  time_zone       text NOT NULL DEFAULT 'UTC',
  hidden          boolean NOT NULL DEFAULT false,
  connected_at    timestamptz NOT NULL DEFAULT now(),
  disconnected_at timestamptz,
  UNIQUE (tenant_id, sf_org_id)
);
CREATE INDEX orgs_tenant ON orgs (tenant_id);
