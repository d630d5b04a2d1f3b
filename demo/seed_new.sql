-- Demo data of site "new" (https://new.localhost:9443).
-- Passwords: each user's is "<first name, lower case>-password" (bcrypt, cost 10).
--   account 3 Cobalt, 4 Dunlin   moved here from legacy (their rows as the move copied them)
--   account 7 Grebe              signed up here (the sign-up site), never on legacy
-- Placement is set by scripts/demo.sh with `gangway accounts add`, not here.

INSERT INTO accounts (id, name, plan) VALUES
  (3, 'Cobalt Studio', 'standard'),
  (4, 'Dunlin Dental', 'business'),
  (7, 'Grebe Games', 'standard');

INSERT INTO auth_user (id, email, password, account_id, is_active, first_name) VALUES
  (31, 'cleo@cobalt.example',  '$2b$10$Sqrl37Kpa.Kik//AK6WIDOgEFM0C9/37nJg4aYMC20ExhEl5FTd5K', 3, 1, 'Cleo'),
  (41, 'dan@dunlin.example',   '$2b$10$78Gk4Q/CsRYouhFoWJADHOBZVI7RqWLfCc3DwhuA4mkMf9TzElsBK', 4, 1, 'Dan'),
  (71, 'gus@grebe.example',    '$2b$10$geuAVn1jGEC60KpcfjQyi.iSRhNqMZ4HxV90zRsEpwDqZzIvHRi5u', 7, 1, 'Gus');

INSERT INTO projects (id, account_id, name) VALUES
  (301, 3, 'Brand refresh'), (302, 3, 'Spring catalogue'),
  (401, 4, 'Clinic booking system'),
  (701, 7, 'Level editor');

INSERT INTO notes (id, project_id, author_id, body) VALUES
  (3011, 301, 31, 'New palette: cobalt and sand.'),
  (3021, 302, 31, 'Photo shoot booked for Tuesday.'),
  (4011, 401, 41, 'Reminder emails go out at 18:00.'),
  (7011, 701, 71, 'Undo works for tiles, not for doors yet.');
