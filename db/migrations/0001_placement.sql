-- Gangway's own tables on each site's database, version 1: placement, its audit log, the
-- sequence that orders placement changes, gateway instance heartbeats for the fence, and
-- revoked sessions. Applied by `gangway db init|upgrade`; every statement is idempotent.

-- Where each account lives, as this site sees it. state active|locked: it lives here (site is
-- this site); moved: it lives at `site` now. version is the value the sequence below gave the
-- latest change; it only grows.
--
-- The accounts a background worker of site S may touch (docs/database.md):
--   SELECT account_id FROM gangway_placement WHERE state = 'active' AND site = 'S';
-- A worker stops touching an account as soon as it is no longer in that answer.
CREATE TABLE IF NOT EXISTS gangway_placement (
  account_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  state ENUM('active', 'locked', 'moved') NOT NULL,
  site VARCHAR(64) NOT NULL,
  version BIGINT UNSIGNED NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  updated_by VARCHAR(128) NOT NULL,
  reason VARCHAR(512) NOT NULL DEFAULT '',
  INDEX gangway_placement_version (version),
  INDEX gangway_placement_state_site (state, site, account_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- One row. Every placement change runs
--   UPDATE gangway_placement_sequence SET value = LAST_INSERT_ID(value + 1) WHERE id = 1
-- inside its transaction and uses LAST_INSERT_ID() as the new version. The row lock makes
-- placement writers commit one after another in version order, so a reader that asks for
-- "version > v" never skips a change that commits later with a smaller version.
CREATE TABLE IF NOT EXISTS gangway_placement_sequence (
  id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
  value BIGINT UNSIGNED NOT NULL
) ENGINE = InnoDB;

INSERT IGNORE INTO gangway_placement_sequence (id, value) VALUES (1, 0);

-- Every placement change, append-only: who, when, from, to, why.
CREATE TABLE IF NOT EXISTS gangway_placement_audit (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id BIGINT UNSIGNED NOT NULL,
  from_state VARCHAR(16) NOT NULL,
  from_site VARCHAR(64) NOT NULL,
  to_state VARCHAR(16) NOT NULL,
  to_site VARCHAR(64) NOT NULL,
  version BIGINT UNSIGNED NOT NULL,
  changed_at DATETIME(6) NOT NULL,
  changed_by VARCHAR(128) NOT NULL,
  reason VARCHAR(512) NOT NULL DEFAULT '',
  INDEX gangway_placement_audit_account (account_id, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Live gateway instances of the site and what they have applied (the fence).
CREATE TABLE IF NOT EXISTS gangway_instance (
  instance_id VARCHAR(128) NOT NULL PRIMARY KEY,
  site VARCHAR(64) NOT NULL,
  placement_version_seen BIGINT UNSIGNED NOT NULL,
  heartbeat_at DATETIME(6) NOT NULL,
  started_at DATETIME(6) NOT NULL,
  INDEX gangway_instance_site (site, heartbeat_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Requests each instance still has in flight for each LOCKED account, replaced on every
-- heartbeat.
CREATE TABLE IF NOT EXISTS gangway_instance_inflight (
  instance_id VARCHAR(128) NOT NULL,
  account_id BIGINT UNSIGNED NOT NULL,
  requests INT UNSIGNED NOT NULL,
  PRIMARY KEY (instance_id, account_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Sessions ended by logout; kept until they would have expired anyway.
CREATE TABLE IF NOT EXISTS gangway_revoked_session (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  session_id CHAR(32) NOT NULL,
  expires_at DATETIME NOT NULL,
  revoked_at DATETIME(6) NOT NULL,
  UNIQUE KEY gangway_revoked_session_id (session_id),
  INDEX gangway_revoked_session_expiry (expires_at)
) ENGINE = InnoDB DEFAULT CHARSET = ascii COLLATE = ascii_bin;
