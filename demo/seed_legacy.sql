-- Demo data of site "legacy" (the shared origin, https://legacy.localhost:8443).
-- Passwords: each user's is "<first name, lower case>-password" (bcrypt, cost 10).
--   account 1 Acme, 2 Bluebird   live here
--   account 3 Cobalt             moved to new; its rows here are what a move leaves behind
--   account 4 Dunlin             moved to new; its rows here were cleaned up after the move
--   account 5 Egret, 6 Finch     live here, next in line to move
-- Placement (which site each account lives on) is gangway's, set by scripts/demo.sh with
-- `gangway accounts add|set`, not here.

INSERT INTO accounts (id, name, plan) VALUES
  (1, 'Acme Ltd', 'business'),
  (2, 'Bluebird Bakery', 'standard'),
  (3, 'Cobalt Studio', 'standard'),
  (5, 'Egret Logistics', 'business'),
  (6, 'Finch & Partners', 'standard');

INSERT INTO auth_user (id, email, password, account_id, is_active, first_name) VALUES
  (11, 'ada@acme.example',     '$2b$10$e7sIkMhnzfYYnB1K2mGq7earvnguDvVxPBf.5oJ8ORGJiyUlslOvK', 1, 1, 'Ada'),
  (12, 'alan@acme.example',    '$2b$10$oPuvPlNPSLsC2A7SgALzfufO1KCQfJKW0dIYsb8WUg1mHFrLJ4.Hi', 1, 0, 'Alan'),
  (21, 'ben@bluebird.example', '$2b$10$Sh8uiwjyULT4McRWwrb1kuqv/g1BXenJw9v2HOah0t6TzsC/1zIYa', 2, 1, 'Ben'),
  (31, 'cleo@cobalt.example',  '$2b$10$Sqrl37Kpa.Kik//AK6WIDOgEFM0C9/37nJg4aYMC20ExhEl5FTd5K', 3, 1, 'Cleo'),
  (51, 'eve@egret.example',    '$2b$10$5qxSECPlAwbtbEnCCzURBe.37N9XMAZ/IhNBz2tHTvwBizYk5QpLy', 5, 1, 'Eve'),
  (52, 'ed@egret.example',     '$2b$10$shtQ93rMs8p.cv2C68Zwq.cTrQ0tH62NdqKoUDjCdbSekqDYG3qUG', 5, 1, 'Ed'),
  (61, 'fay@finch.example',    '$2b$10$KRqdLI5aiiDcuNkct2WpZuLyQRY9aoWthIKmpwtQY.V1tWdJW43ym', 6, 1, 'Fay');

INSERT INTO projects (id, account_id, name) VALUES
  (101, 1, 'Rocket skates'), (102, 1, 'Giant magnet'),
  (201, 2, 'Sourdough starter'),
  (301, 3, 'Brand refresh'), (302, 3, 'Spring catalogue'),
  (501, 5, 'Harbour routes'), (502, 5, 'Fleet maintenance'),
  (601, 6, 'Annual audit');

INSERT INTO notes (id, project_id, author_id, body) VALUES
  (1011, 101, 11, 'Prototype wheels arrived.'),
  (1012, 101, 11, 'Braking is still theoretical.'),
  (1021, 102, 11, 'Keep away from the anvils.'),
  (2011, 201, 21, 'Feed twice a day.'),
  (3011, 301, 31, 'New palette: cobalt and sand.'),
  (3021, 302, 31, 'Photo shoot booked for Tuesday.'),
  (5011, 501, 51, 'Rotterdam slot moved to 06:00.'),
  (5021, 502, 52, 'Truck 7 due for inspection.'),
  (6011, 601, 61, 'Ledgers requested from the client.');
