-- Gangway's own tables, version 2: single-use login handoff tokens (docs/database.md,
-- common/auth/handoff_token.hpp). Applied by `gangway db init|upgrade`; idempotent.

-- One row per handoff token this site's gateway will redeem. The token itself is never
-- stored: token_hash is SHA-256 of the token text, so a copy of this table redeems nothing.
-- A token is redeemed by ONE statement,
--   UPDATE gangway_handoff SET redeemed_at = UTC_TIMESTAMP(6)
--    WHERE token_hash = ? AND redeemed_at IS NULL AND expires_at > UTC_TIMESTAMP(6)
--      AND audience = ? AND client_ip = ? AND user_agent_hash = ?
-- and only the caller that sees one affected row may log the user in. audience is the site
-- that may redeem it; target is where to land, validated before the row was written;
-- user_agent_hash is SHA-256 of the browser's User-Agent. Rows past expires_at are deleted by
-- purge_expired_handoffs.
CREATE TABLE IF NOT EXISTS gangway_handoff (
  token_hash BINARY(32) NOT NULL PRIMARY KEY,
  audience VARCHAR(64) NOT NULL,
  user_id BIGINT UNSIGNED NOT NULL,
  account_id BIGINT UNSIGNED NOT NULL,
  email VARCHAR(254) NOT NULL,
  placement_version BIGINT UNSIGNED NOT NULL,
  target VARCHAR(2048) NOT NULL,
  client_ip VARCHAR(45) NOT NULL,
  user_agent_hash BINARY(32) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  expires_at DATETIME(6) NOT NULL,
  redeemed_at DATETIME(6) NULL,
  INDEX gangway_handoff_expiry (expires_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
