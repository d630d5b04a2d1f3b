-- The demo app's own tables, the same on every site (a small Django-like SaaS app).
-- Loaded into the database `app` on each site, next to gangway's tables (`gangway db init`).
-- An account is the unit of migration: every row below belongs to exactly one account, through
-- account_id or through its parent row; the foreign keys spell that graph out for the mover.

CREATE TABLE accounts (
  id BIGINT UNSIGNED PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  plan VARCHAR(20) NOT NULL DEFAULT 'standard',
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- Shaped like Django's auth_user, as gangway's [login] defaults expect: id, email, password
-- (a bcrypt hash here), account_id, is_active (login.active_column).
CREATE TABLE auth_user (
  id BIGINT UNSIGNED PRIMARY KEY,
  email VARCHAR(254) NOT NULL,
  password VARCHAR(255) NOT NULL,
  account_id BIGINT UNSIGNED NOT NULL,
  is_active TINYINT(1) NOT NULL DEFAULT 1,
  first_name VARCHAR(150) NOT NULL DEFAULT '',
  KEY (email),
  CONSTRAINT auth_user_account FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE projects (
  id BIGINT UNSIGNED PRIMARY KEY,
  account_id BIGINT UNSIGNED NOT NULL,
  name VARCHAR(200) NOT NULL,
  CONSTRAINT projects_account FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE notes (
  id BIGINT UNSIGNED PRIMARY KEY,
  project_id BIGINT UNSIGNED NOT NULL,
  author_id BIGINT UNSIGNED NOT NULL,
  body TEXT NOT NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT notes_project FOREIGN KEY (project_id) REFERENCES projects (id),
  CONSTRAINT notes_author FOREIGN KEY (author_id) REFERENCES auth_user (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
