// gangway's own tables: db init / upgrade on a real MariaDB (fixture `mariadb`).
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <cppconn/connection.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <gtest/gtest.h>

#include "common/db/db_pool.hpp"
#include "common/db/schema_migrations.hpp"
#include "tests/support/test_database.hpp"

namespace gangway {
namespace {

std::vector<std::string> gangway_tables(db_pool& pool) {
    auto r = pool.run_blocking([](sql::Connection& c) {
        std::unique_ptr<sql::Statement> st(c.createStatement());
        std::unique_ptr<sql::ResultSet> rs(st->executeQuery(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
            " AND table_name LIKE 'gangway%' ORDER BY table_name"));
        std::vector<std::string> names;
        while (rs->next()) names.push_back(rs->getString(1));
        return names;
    });
    if (!r) throw std::runtime_error(r.message);
    return *r.value;
}

TEST(SchemaMigrations, InitOnAnEmptyDatabaseCreatesEveryTable) {
    testing::test_database db;
    db_pool pool(db.config());
    auto r = pool.run_blocking([](sql::Connection& c) { return upgrade_schema(c); });
    ASSERT_TRUE(r) << r.message;
    EXPECT_EQ(r.value->version_before, 0);
    EXPECT_EQ(r.value->version_after, known_migrations().back().version);
    EXPECT_EQ(r.value->applied.size(), known_migrations().size());
    EXPECT_EQ(gangway_tables(pool),
              (std::vector<std::string>{"gangway_handoff", "gangway_instance",
                                        "gangway_instance_inflight", "gangway_moves", "gangway_placement",
                                        "gangway_placement_audit", "gangway_placement_sequence",
                                        "gangway_revoked_session", "gangway_schema_version"}));
    auto sequence = pool.run_blocking([](sql::Connection& c) {
        std::unique_ptr<sql::Statement> st(c.createStatement());
        std::unique_ptr<sql::ResultSet> rs(
            st->executeQuery("SELECT COUNT(*), MAX(value) FROM gangway_placement_sequence"));
        rs->next();
        return std::make_pair(rs->getInt(1), rs->getUInt64(2));
    });
    ASSERT_TRUE(sequence);
    EXPECT_EQ(sequence.value->first, 1) << "the sequence is one row";
    EXPECT_EQ(sequence.value->second, 0u);
}

TEST(SchemaMigrations, InitTwiceIsANoOp) {
    testing::test_database db;
    db_pool pool(db.config());
    ASSERT_TRUE(pool.run_blocking([](sql::Connection& c) { return upgrade_schema(c); }));
    auto again = pool.run_blocking([](sql::Connection& c) { return upgrade_schema(c); });
    ASSERT_TRUE(again) << again.message;
    EXPECT_TRUE(again.value->applied.empty());
    EXPECT_EQ(again.value->version_before, again.value->version_after);
    auto rows = pool.run_blocking([](sql::Connection& c) {
        std::unique_ptr<sql::Statement> st(c.createStatement());
        std::unique_ptr<sql::ResultSet> rs(
            st->executeQuery("SELECT COUNT(*) FROM gangway_placement_sequence"));
        rs->next();
        return rs->getInt(1);
    });
    EXPECT_EQ(*rows.value, 1) << "a second run must not add a second sequence row";
}

TEST(SchemaMigrations, UpgradeFromVersionOneAppliesTheRestInOrder) {
    testing::test_database db;
    db_pool pool(db.config());
    const migration first = known_migrations().front();
    ASSERT_EQ(first.version, 1);
    auto at_one = pool.run_blocking([&](sql::Connection& c) { return upgrade_schema(c, {first}); });
    ASSERT_TRUE(at_one) << at_one.message;
    EXPECT_EQ(at_one.value->version_after, 1);

    // Later versions of the schema, as a newer binary would carry them; the second depends on
    // the first, so they must run in order.
    std::vector<migration> newer = known_migrations();
    const int base = newer.back().version;
    newer.push_back({base + 1, "test_add_table", "CREATE TABLE IF NOT EXISTS gangway_test_extra (\n"
                                                 "  id INT NOT NULL PRIMARY KEY\n) ENGINE = InnoDB;\n"});
    newer.push_back({base + 2, "test_add_column",
                     "-- a comment line\nALTER TABLE gangway_test_extra ADD COLUMN IF NOT EXISTS note "
                     "VARCHAR(10);\nINSERT IGNORE INTO gangway_test_extra (id, note) VALUES (1, 'x');\n"});
    auto upgraded = pool.run_blocking([&](sql::Connection& c) { return upgrade_schema(c, newer); });
    ASSERT_TRUE(upgraded) << upgraded.message;
    EXPECT_EQ(upgraded.value->version_before, 1);
    EXPECT_EQ(upgraded.value->version_after, base + 2);
    ASSERT_EQ(upgraded.value->applied.size(), newer.size() - 1);
    EXPECT_EQ(upgraded.value->applied.back(), "test_add_column");

    auto again = pool.run_blocking([&](sql::Connection& c) { return upgrade_schema(c, newer); });
    ASSERT_TRUE(again) << again.message;
    EXPECT_TRUE(again.value->applied.empty());
}

TEST(SchemaMigrations, ADatabaseNewerThanTheBinaryIsRefused) {
    testing::test_database db;
    db_pool pool(db.config());
    ASSERT_TRUE(pool.run_blocking([](sql::Connection& c) { return upgrade_schema(c); }));
    const int future_version = known_migrations().back().version + 1;
    db.execute("INSERT INTO gangway_schema_version (version, name, applied_at) VALUES (" +
               std::to_string(future_version) + ", 'from_the_future', UTC_TIMESTAMP(6))");
    auto r = pool.run_blocking([](sql::Connection& c) { return upgrade_schema(c); });
    EXPECT_EQ(r.error, db_error::failed);
    EXPECT_NE(r.message.find("schema version " + std::to_string(future_version)), std::string::npos)
        << r.message;
    EXPECT_NE(r.message.find("upgrade gangway first"), std::string::npos) << r.message;
}

}  // namespace
}  // namespace gangway
