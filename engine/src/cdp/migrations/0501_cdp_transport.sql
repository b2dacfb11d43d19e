-- Which transport follows an org's change events: Pub/Sub by default, CometD as the fall-back.
-- Each transport has replay ids of its own, so each keeps its own checkpoint on the channel's row.
ALTER TABLE cdp_settings
  ADD COLUMN transport text NOT NULL DEFAULT 'auto' CHECK (transport IN ('auto', 'pubsub', 'cometd'));

ALTER TABLE cdp_checkpoints
  ADD COLUMN cometd_replay_id bigint,
  ADD COLUMN transport text NOT NULL DEFAULT 'pubsub' CHECK (transport IN ('pubsub', 'cometd')),
  ADD COLUMN transport_since timestamptz,
  ADD COLUMN transport_reason text;

ALTER TABLE cdp_fallbacks DROP CONSTRAINT cdp_fallbacks_reason_check;
ALTER TABLE cdp_fallbacks ADD CONSTRAINT cdp_fallbacks_reason_check
  CHECK (reason IN ('protection_on', 'gap_overflow', 'replay_expired', 'stream_down', 'transport_switch'));
