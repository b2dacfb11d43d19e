-- How OrgVault reaches each connected org. Secrets (refresh token, client secret, JWT private
-- key, access token) are sealed by the caller's secret box and stored only as `sealed_secrets`.
CREATE TABLE org_connections (
  org_id              uuid PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
  kind                text NOT NULL CHECK (kind IN ('refreshToken', 'jwt', 'accessToken', 'sfCli')),
  -- The non-secret parts of the credentials (login URL, client id, username, alias), as JSON.
  settings            jsonb NOT NULL DEFAULT '{}'::jsonb,
  sealed_secrets      text,
  sf_user_id          text,
  username            text,
  api_version         text NOT NULL,
  budget_percent      smallint NOT NULL DEFAULT 50 CHECK (budget_percent BETWEEN 1 AND 100),
  status              text NOT NULL DEFAULT 'connected' CHECK (status IN ('connected', 'auth_failed')),
  status_message      text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);
