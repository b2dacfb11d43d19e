-- The audit trail: one hash chain per tenant, append-only.
--
-- audit_chains is each tenant's head (appends lock it, so one tenant's entries take their sequence
-- numbers one at a time), its retention, and the anchor: the last entry pruned, whose hash the
-- first kept entry carries, so a pruned chain still verifies from there.
CREATE TABLE audit_chains (
  tenant_id       uuid PRIMARY KEY,
  head_seq        bigint NOT NULL DEFAULT 0,
  head_hash       bytea NOT NULL,
  anchor_seq      bigint NOT NULL DEFAULT 0,
  anchor_hash     bytea NOT NULL,
  retention_days  integer NOT NULL DEFAULT 2557 CHECK (retention_days BETWEEN 1 AND 36525),
  created_at      timestamptz NOT NULL DEFAULT now()
);

-- No foreign keys: the trail outlives what it names (a disconnected org, a revoked key, a tenant).
-- details is the canonical JSON text that was hashed (jsonb would reorder it).
CREATE TABLE audit_entries (
  tenant_id   uuid NOT NULL,
  seq         bigint NOT NULL,
  at          timestamptz NOT NULL,
  org_id      uuid,
  actor       text NOT NULL,
  key_id      uuid,
  source      text NOT NULL CHECK (source IN ('page', 'api', 'cli', 'schedule')),
  action      text NOT NULL,
  target      text,
  outcome     text NOT NULL CHECK (outcome IN ('succeeded', 'refused', 'failed')),
  code        text,
  request_id  text,
  details     text,
  prev_hash   bytea NOT NULL,
  hash        bytea NOT NULL,
  PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX audit_entries_at ON audit_entries (tenant_id, at);

-- Append-only for every role that does not switch triggers off (a superuser can, deliberately;
-- `orgvault audit verify` then names what was changed). The one deletion allowed is pruning:
-- entries at or below the chain's anchor, which audit_chains_guard lets move only onto an
-- entry older than the tenant's retention.
CREATE FUNCTION audit_entries_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND EXISTS (
      SELECT 1 FROM audit_chains c WHERE c.tenant_id = OLD.tenant_id AND OLD.seq <= c.anchor_seq) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'the audit trail is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
  FOR EACH ROW EXECUTE FUNCTION audit_entries_refuse();
CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
  FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_refuse();

CREATE FUNCTION audit_chains_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR NEW.head_seq < OLD.head_seq THEN
    RAISE EXCEPTION 'an audit chain never goes back' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF (NEW.anchor_seq, NEW.anchor_hash) IS DISTINCT FROM (OLD.anchor_seq, OLD.anchor_hash) AND (
       NEW.anchor_seq < OLD.anchor_seq OR NOT EXISTS (
         SELECT 1 FROM audit_entries e
          WHERE e.tenant_id = NEW.tenant_id AND e.seq = NEW.anchor_seq AND e.hash = NEW.anchor_hash
            AND e.at < now() - make_interval(days => NEW.retention_days))) THEN
    RAISE EXCEPTION 'an audit chain is cut only at an entry past its retention' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER audit_chains_forward_only BEFORE UPDATE OR DELETE ON audit_chains
  FOR EACH ROW EXECUTE FUNCTION audit_chains_guard();

-- Where a tenant's trail is forwarded (a SIEM's webhook), and how far it got. A lease, not a
-- held transaction, keeps two processes from sending the same entries.
CREATE TABLE audit_forwarding (
  tenant_id      uuid PRIMARY KEY,
  url            text NOT NULL,
  forwarded_seq  bigint NOT NULL DEFAULT 0,
  lease_until    timestamptz,
  last_error     text,
  last_error_at  timestamptz
);
