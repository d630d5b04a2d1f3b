-- Gangway's own tables, version 3: the mover's journal (docs/mover.md, "gangway migrate";
-- gateway/mover/move_journal.hpp). Applied by `gangway db init|upgrade`; idempotent.

-- One row per move of one account, on the SOURCE site's database (where the account's lock
-- lives). phase is the last step that completed:
--   checked  pre-flight passed (nothing locked yet)
--   locked   the account is locked at the source and the fence holds (lock_version)
--   copied   every row is on the destination
--   verified row counts and per-row hashes agree on both sides
--   flipped  destination active, source moved (the move is complete)
--   aborted  undone: copied rows removed from the destination, the account active at the source
-- report is the final report (JSON) once the move is flipped or aborted. open_account is
-- the account id while the move is neither flipped nor aborted, so an account has at most one
-- move in progress.
CREATE TABLE IF NOT EXISTS gangway_moves (
  move_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id BIGINT UNSIGNED NOT NULL,
  from_site VARCHAR(64) NOT NULL,
  to_site VARCHAR(64) NOT NULL,
  phase VARCHAR(16) NOT NULL,
  lock_version BIGINT UNSIGNED NULL,
  started_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  started_by VARCHAR(255) NOT NULL,
  report MEDIUMTEXT NULL,
  open_account BIGINT UNSIGNED AS (IF(phase IN ('flipped', 'aborted'), NULL, account_id)) STORED,
  UNIQUE KEY gangway_moves_open (open_account),
  INDEX gangway_moves_account (account_id, move_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
