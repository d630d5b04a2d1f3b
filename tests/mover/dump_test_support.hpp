#pragma once

// For the row walker's and `gangway dump`'s database tests: example accounts in the example
// app, queries whose answers compare as text, and the stock mariadb client importing a dump.

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <cppconn/connection.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include "common/db/db_pool.hpp"
#include "common/db/placement_store.hpp"
#include "common/db/schema_migrations.hpp"
#include "tests/mover/mover_db_support.hpp"

namespace gangway::mover::testing {

using text_rows = std::vector<std::vector<std::string>>;

// Every row of a query, each value as text ("NULL" for NULL), in the session time zone +00:00.
inline text_rows query_text(const gangway::testing::test_database& db, const std::string& sql) {
    database_config cfg = db.config();
    cfg.pool_size = 1;
    db_pool pool(cfg);
    auto rows = pool.run_blocking([&](sql::Connection& c) {
        std::unique_ptr<sql::Statement> st(c.createStatement());
        std::unique_ptr<sql::ResultSet> rs(st->executeQuery(sql));
        const auto columns = rs->getMetaData()->getColumnCount();
        text_rows out;
        while (rs->next()) {
            std::vector<std::string> row;
            for (unsigned i = 1; i <= columns; ++i) {
                const std::string v = rs->getString(i);
                row.push_back(rs->isNull(i) ? "NULL" : v);
            }
            out.push_back(std::move(row));
        }
        return out;
    });
    if (!rows) throw std::runtime_error("query failed: " + rows.message + ": " + sql);
    return std::move(*rows.value);
}

// The one value of a one-row, one-column query.
inline std::string query_value(const gangway::testing::test_database& db, const std::string& sql) {
    const text_rows rows = query_text(db, sql);
    if (rows.size() != 1 || rows[0].size() != 1) throw std::runtime_error("not one value: " + sql);
    return rows[0][0];
}

// The CREATE TABLE statements of a file of statements (each ending with ';' at a line's end).
inline void create_tables_of(const gangway::testing::test_database& db, const std::string& path) {
    const std::string text = read_text(path);
    std::size_t begin = 0;
    for (std::size_t end = text.find(";\n"); end != std::string::npos;
         end = text.find(";\n", begin)) {
        const std::string statement = text.substr(begin, end - begin);
        if (statement.find("CREATE TABLE") != std::string::npos ||
            statement.find("ADD CONSTRAINT") != std::string::npos)
            db.execute(statement);
        begin = end + 2;
    }
}

// `mariadb DATABASE < file` with the stock client and no option files: whatever the dump
// needs (character set, time zone, modes) it must say itself.
inline outcome import_with_mariadb_client(const gangway::testing::test_database& db,
                                          const std::string& file) {
    const auto& cfg = db.config();
    const std::string command = "MYSQL_PWD='" + cfg.password +
                                "' timeout 60 mariadb --no-defaults --protocol=tcp -h" + cfg.host +
                                " -P" + std::to_string(cfg.port) + " -u" + cfg.user + " " +
                                cfg.name + " < '" + file + "' 2>&1";
    return run_shell(command);
}

// Three accounts in the example app, with rows in every table, made so that a walker that
// follows too much or too little shows it:
//  - account 1: 3 users, 4 conversations (one with last_message_id: the cycle), 30 messages,
//    tags through the join table, attachments on messages and conversations, daily stats with
//    channels, 25 events;
//  - account 2: the same shape, smaller; one of its attachments is a 'conversation' whose
//    owner_id is the id of one of account 1's messages (a polymorphic decoy), and a
//    'message' attachment whose owner_id is one of account 1's conversation ids;
//  - account 3: an account row and nothing else.
// Gangway's own tables on `db` (what `gangway db init` creates).
inline void init_gangway_tables(const gangway::testing::test_database& db) {
    database_config cfg = db.config();
    cfg.pool_size = 1;
    db_pool pool(cfg);
    if (!pool.run_blocking([](sql::Connection& c) { return upgrade_schema(c); }))
        throw std::runtime_error("creating gangway's tables failed");
}

// The account placed active at `site` on `db`.
inline void place(const gangway::testing::test_database& db, std::uint64_t account,
                  const std::string& site) {
    database_config cfg = db.config();
    cfg.pool_size = 1;
    db_pool pool(cfg);
    placement_change ch{account, std::nullopt, placement_state::active, site, "test", "seed"};
    auto r = pool.run_blocking([&](sql::Connection& c) { return set_placement(c, ch); });
    if (!r || r.value->kind != set_outcome::applied) throw std::runtime_error("placing failed");
}

// The TOML that makes `d` site "new"'s database for `gangway migrate --to new`, with the
// password in new.password next to the config (write it with the work_dir).
inline std::string destination_toml(const gangway::testing::test_database& d) {
    return "[sites.new]\norigin = \"https://new.example.com\"\n\n"
           "[sites.new.database]\nhost = \"127.0.0.1\"\nport = " + std::to_string(d.config().port) +
           "\nuser = \"" + d.config().user + "\"\npassword_file = \"new.password\"\nname = \"" +
           d.config().name + "\"\nconnect_timeout_ms = 2000\nquery_timeout_ms = 10000\n\n";
}

template <class Database>
void seed_example_accounts(const Database& db) {
    db.execute("INSERT INTO countries VALUES ('DE', 'Germany'), ('FR', 'France'), ('NZ', 'NZ')");
    db.execute(
        "INSERT INTO accounts (id, name, country_code, created_at) VALUES "
        "(1, 'Acme', 'DE', '2020-01-01 10:00:00.123456'), (2, 'Bolt', 'FR', '2021-02-03'), "
        "(3, 'Calm', 'DE', '2022-03-04')");
    db.execute(
        "INSERT INTO users (id, account_id, email, name, password, api_token) VALUES "
        "(10, 1, 'ann@acme.test', 'Ann', 'h1', 'tok1'), (11, 1, 'bob@acme.test', 'Bob', 'h2', "
        "NULL), (12, 1, 'cy@acme.test', 'Cy', 'h3', NULL), (20, 2, 'dan@bolt.test', 'Dan', 'h4', "
        "'tok2'), (21, 2, 'eve@bolt.test', 'Eve', 'h5', NULL)");
    db.execute("UPDATE accounts SET owner_id = 10 WHERE id = 1");
    db.execute("UPDATE accounts SET owner_id = 20 WHERE id = 2");
    db.execute(
        "INSERT INTO conversations (id, account_id, subject) VALUES (100, 1, 'a'), (101, 1, 'b'), "
        "(102, 1, 'c'), (103, 1, 'd'), (200, 2, 'e'), (201, 2, 'f')");
    std::string messages = "INSERT INTO messages (id, conversation_id, author_id, body, created_at) VALUES ";
    for (int i = 0; i < 30; ++i) {
        messages += (i ? ", (" : "(") + std::to_string(1000 + i) + ", " + std::to_string(100 + i % 4) +
                    ", " + std::to_string(10 + i % 3) + ", 'body " + std::to_string(i) +
                    "', '2024-01-01 00:00:00')";
    }
    for (int i = 0; i < 6; ++i) {
        messages += ", (" + std::to_string(2000 + i) + ", " + std::to_string(200 + i % 2) +
                    ", 20, 'other', '2024-01-01')";
    }
    db.execute(messages);
    db.execute("UPDATE conversations SET last_message_id = 1029 WHERE id = 101");
    db.execute("UPDATE conversations SET last_message_id = 2005 WHERE id = 201");
    db.execute("INSERT INTO tags VALUES (1, 1, 'red'), (2, 1, 'green'), (3, 1, 'unused'), (4, 2, 'blue')");
    db.execute(
        "INSERT INTO conversation_tags VALUES (100, 1), (100, 2), (101, 1), (200, 4), (201, 4)");
    db.execute(
        "INSERT INTO attachments (id, owner_type, owner_id, filename, size_bytes) VALUES "
        "(1, 'message', 1000, 'a.png', 1), (2, 'message', 1005, 'b.png', 2), "
        "(3, 'conversation', 100, 'c.pdf', 3), (4, 'conversation', 103, 'd.pdf', 4), "
        "(5, 'message', 2000, 'e.png', 5), (6, 'conversation', 1000, 'decoy.pdf', 6), "
        "(7, 'message', 101, 'decoy.png', 7), (8, 'conversation', 200, 'f.pdf', 8)");
    db.execute(
        "INSERT INTO daily_stats VALUES (1, '2024-01-01', 5), (1, '2024-01-02', 6), "
        "(2, '2024-01-01', 7)");
    db.execute(
        "INSERT INTO daily_stat_channels VALUES (1, '2024-01-01', 'web', 2), "
        "(1, '2024-01-01', 'mail', 3), (1, '2024-01-02', 'web', 6), (2, '2024-01-01', 'web', 7)");
    std::string events = "INSERT INTO events (account_id, kind, payload, created_at) VALUES ";
    for (int i = 0; i < 31; ++i) {
        events += std::string(i ? ", (" : "(") + (i % 6 == 5 ? "2" : "1") + ", 'k', NULL, '2024-01-01')";
    }
    db.execute(events);
    db.execute(
        "INSERT INTO django_session VALUES ('s1', 'data', '2030-01-01'), ('s2', 'data', "
        "'2030-01-01')");
}

}  // namespace gangway::mover::testing
