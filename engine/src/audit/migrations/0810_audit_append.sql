-- One round trip per entry. audit_append chains an entry under its tenant's head row lock: it
-- creates the chain on first use, takes the head FOR UPDATE (an append of another process waits
-- here and then reads the head that append left), hashes, inserts and moves the head. The hashed
-- text is the caller's, split around the sequence number only the database knows
-- (audit/chain.ts bodyAroundSeq): SHA-256(previous hash ‖ head ‖ seq ‖ tail), what
-- `orgvault audit verify` recomputes in the engine.
CREATE FUNCTION audit_append(
  p_tenant uuid, p_at timestamptz, p_org uuid, p_actor text, p_key uuid, p_source text, p_action text, p_target text,
  p_outcome text, p_code text, p_request text, p_details text, p_body_head text, p_body_tail text)
RETURNS TABLE (entry_seq bigint, entry_prev bytea, entry_hash bytea, forwards boolean)
LANGUAGE plpgsql AS $$
DECLARE
  head audit_chains%ROWTYPE;
BEGIN
  SELECT * INTO head FROM audit_chains WHERE tenant_id = p_tenant FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO audit_chains (tenant_id, head_hash, anchor_hash)
      VALUES (p_tenant, decode(repeat('00', 32), 'hex'), decode(repeat('00', 32), 'hex'))
      ON CONFLICT (tenant_id) DO NOTHING;
    SELECT * INTO head FROM audit_chains WHERE tenant_id = p_tenant FOR UPDATE;
  END IF;
  entry_seq := head.head_seq + 1;
  entry_prev := head.head_hash;
  entry_hash := sha256(head.head_hash || convert_to(p_body_head || entry_seq::text || p_body_tail, 'UTF8'));
  INSERT INTO audit_entries (tenant_id, seq, at, org_id, actor, key_id, source, action, target, outcome, code, request_id,
                             details, prev_hash, hash)
    VALUES (p_tenant, entry_seq, p_at, p_org, p_actor, p_key, p_source, p_action, p_target, p_outcome, p_code, p_request,
            p_details, entry_prev, entry_hash);
  UPDATE audit_chains SET head_seq = entry_seq, head_hash = entry_hash WHERE tenant_id = p_tenant;
  forwards := EXISTS (SELECT 1 FROM audit_forwarding f WHERE f.tenant_id = p_tenant);
  RETURN NEXT;
END $$;
