-- The realistic app that conf/schema.example.toml describes: accounts with users,
-- conversations, messages, tags through a join table, attachments polymorphic on owner_type,
-- a shared lookup table, composite-key tables, a big log table, and one cycle
-- (conversations.last_message_id <-> messages.conversation_id). Statements end with ';' at the
-- end of a line (tests split on that).

CREATE TABLE countries (
  code CHAR(2) NOT NULL PRIMARY KEY,
  name VARCHAR(100) NOT NULL
) ENGINE=InnoDB;

CREATE TABLE accounts (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(200) NOT NULL,
  country_code CHAR(2) NOT NULL,
  owner_id BIGINT UNSIGNED NULL,
  message_count INT UNSIGNED NOT NULL DEFAULT 0,
  created_at DATETIME(6) NOT NULL,
  CONSTRAINT accounts_country FOREIGN KEY (country_code) REFERENCES countries (code)
) ENGINE=InnoDB;

CREATE TABLE users (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id BIGINT UNSIGNED NOT NULL,
  email VARCHAR(254) NOT NULL,
  name VARCHAR(200) NOT NULL,
  password VARCHAR(255) NOT NULL,
  api_token CHAR(40) NULL,
  UNIQUE KEY users_email (email),
  CONSTRAINT users_account FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB;

ALTER TABLE accounts
  ADD CONSTRAINT accounts_owner FOREIGN KEY (owner_id) REFERENCES users (id);

CREATE TABLE conversations (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id BIGINT UNSIGNED NOT NULL,
  subject VARCHAR(500) NOT NULL,
  last_message_id BIGINT UNSIGNED NULL,
  CONSTRAINT conversations_account FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB;

CREATE TABLE messages (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  conversation_id BIGINT UNSIGNED NOT NULL,
  author_id BIGINT UNSIGNED NULL,
  body MEDIUMTEXT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  CONSTRAINT messages_conversation FOREIGN KEY (conversation_id) REFERENCES conversations (id),
  CONSTRAINT messages_author FOREIGN KEY (author_id) REFERENCES users (id)
) ENGINE=InnoDB;

ALTER TABLE conversations
  ADD CONSTRAINT conversations_last_message FOREIGN KEY (last_message_id) REFERENCES messages (id);

CREATE TABLE tags (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id BIGINT UNSIGNED NOT NULL,
  name VARCHAR(100) NOT NULL,
  CONSTRAINT tags_account FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB;

CREATE TABLE conversation_tags (
  conversation_id BIGINT UNSIGNED NOT NULL,
  tag_id BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (conversation_id, tag_id),
  KEY conversation_tags_tag (tag_id),
  CONSTRAINT conversation_tags_conversation FOREIGN KEY (conversation_id)
    REFERENCES conversations (id),
  CONSTRAINT conversation_tags_tag FOREIGN KEY (tag_id) REFERENCES tags (id)
) ENGINE=InnoDB;

-- Polymorphic: owner_type 'message' or 'conversation' says which table owner_id points at, so
-- there is no foreign key (infer cannot see it; the model says it).
CREATE TABLE attachments (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  owner_type VARCHAR(20) NOT NULL,
  owner_id BIGINT UNSIGNED NOT NULL,
  filename VARCHAR(255) NOT NULL,
  size_bytes BIGINT UNSIGNED NOT NULL,
  KEY attachments_owner (owner_type, owner_id)
) ENGINE=InnoDB;

CREATE TABLE daily_stats (
  account_id BIGINT UNSIGNED NOT NULL,
  day DATE NOT NULL,
  messages_in INT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (account_id, day),
  CONSTRAINT daily_stats_account FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB;

CREATE TABLE daily_stat_channels (
  account_id BIGINT UNSIGNED NOT NULL,
  day DATE NOT NULL,
  channel VARCHAR(30) NOT NULL,
  messages_in INT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (account_id, day, channel),
  CONSTRAINT daily_stat_channels_day FOREIGN KEY (account_id, day)
    REFERENCES daily_stats (account_id, day)
) ENGINE=InnoDB;

CREATE TABLE events (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id BIGINT UNSIGNED NOT NULL,
  kind VARCHAR(50) NOT NULL,
  payload TEXT NULL,
  created_at DATETIME(6) NOT NULL,
  CONSTRAINT events_account FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB;

-- The app framework's sessions: per site, never moved.
CREATE TABLE django_session (
  session_key VARCHAR(40) NOT NULL PRIMARY KEY,
  session_data LONGTEXT NOT NULL,
  expire_date DATETIME(6) NOT NULL,
  KEY django_session_expire_date (expire_date)
) ENGINE=InnoDB;
