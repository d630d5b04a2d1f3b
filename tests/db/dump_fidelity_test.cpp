// Type fidelity of `gangway dump` and `gangway migrate`: every kind of value (NULLs, 4-byte UTF-8, a BLOB of all 256
// byte values, JSON, DECIMAL(65,30), FLOAT/DOUBLE extremes and denormals, DATETIME(6),
// TIMESTAMP(6) written under several time zones, TIME, YEAR, BIT(64), ENUM, SET, a generated
// column) dumped by the real binary and imported by the stock mariadb client, or moved by
// `gangway migrate`, into a database with the same table on the other server, and compared
// byte for byte.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/mover/dump_test_support.hpp"

namespace gangway::mover {
namespace {

using gangway::testing::test_database;

std::string fidelity_sql() { return testing::source_dir().append("/tests/mover/fidelity_types.sql"); }

// Every column as text that shows every byte and bit: HEX for strings and bytes, a FLOAT
// widened to DOUBLE (exact), TIMESTAMPs as UTC text and epoch seconds.
const char* const every_column =
    "SELECT id, account_id, HEX(s), HEX(t), HEX(l1), HEX(b), HEX(vb), HEX(bn), HEX(j), "
    "CAST(d AS CHAR), CAST(CAST(f AS DOUBLE) AS CHAR), CAST(g AS CHAR), CAST(dt AS CHAR), "
    "CAST(ts AS CHAR), UNIX_TIMESTAMP(ts), CAST(tm AS CHAR), CAST(dy AS CHAR), yr, HEX(bt), "
    "HEX(b5), e, st, ti, bi, ub, HEX(gen), gst FROM fidelity WHERE account_id = 7 ORDER BY id";

class DumpFidelity : public ::testing::Test {
protected:
    DumpFidelity() : destination_("site_b"), dir_(source_, testing::destination_toml(destination_)) {
        testing::run_sql_file(source_, fidelity_sql());
        testing::create_tables_of(destination_, fidelity_sql());
        // Pages of 3 rows: keyset pagination crosses rows of every kind.
        dir_.write("model.toml",
                   "format = 1\nroot = { table = \"fidelity\", key = \"account_id\" }\n"
                   "[tables.fidelity]\nbatch_rows = 3\n");
        dir_.write("new.password", destination_.config().password);
    }

    testing::outcome dump(const std::string& extra) {
        return testing::run_gangway("dump --config " + dir_.config() + " --schema " +
                                    dir_.path("model.toml") + " " + extra + " 7");
    }

    void expect_identical() {
        const auto source_rows = testing::query_text(source_, every_column);
        ASSERT_EQ(source_rows.size(), 8u);
        EXPECT_EQ(testing::query_text(destination_, every_column), source_rows);
        // The other account's row stayed behind; then whole-table checksums (over the stored
        // bytes, the generated columns included) must agree.
        EXPECT_EQ(testing::query_value(destination_, "SELECT COUNT(*) FROM fidelity"), "8");
        source_.execute("DELETE FROM fidelity WHERE account_id <> 7");
        const auto checksum = [](const test_database& db) {
            return testing::query_text(db, "CHECKSUM TABLE fidelity EXTENDED")[0][1];
        };
        EXPECT_EQ(checksum(destination_), checksum(source_));
    }

    test_database source_;
    test_database destination_;
    testing::work_dir dir_;

    // `gangway migrate --jobs 2 7` with `env`; what the report says it wrote with.
    std::string migrate_fidelity_account(const std::string& env) {
        testing::init_gangway_tables(source_);
        testing::init_gangway_tables(destination_);
        testing::place(source_, 7, "legacy");
        const auto o = testing::run_gangway("migrate --config " + dir_.config() + " --schema " +
                                            dir_.path("model.toml") + " --to new --jobs 2 7", env);
        EXPECT_EQ(o.exit_code, 0) << o.output;
        // The sums the mover computed from the rows it read equal the destination server's.
        EXPECT_NE(o.output.find("\"verify_method\":\"checksums\""), std::string::npos) << o.output;
        const auto at = o.output.find("\"write_method\":\"");
        return at == std::string::npos ? o.output : o.output.substr(at + 16, o.output.find('"', at + 16) - at - 16);
    }
};

TEST_F(DumpFidelity, EveryTypeSurvivesDumpAndImportByteForByte) {
    const auto o = dump("-o " + dir_.path("dump.sql"));
    ASSERT_EQ(o.exit_code, 0) << o.output;
    const std::string text = testing::read_text(dir_.path("dump.sql"));
    EXPECT_EQ(text.find("`gen`"), std::string::npos) << "a generated column was written";
    EXPECT_EQ(text.find("`gst`"), std::string::npos) << "a generated column was written";
    EXPECT_NE(text.find("SET time_zone = '+00:00';"), std::string::npos);
    const auto imported = testing::import_with_mariadb_client(destination_, dir_.path("dump.sql"));
    ASSERT_EQ(imported.exit_code, 0) << imported.output;
    expect_identical();
}

TEST_F(DumpFidelity, ChunksImportedOneByOneGiveTheSameRows) {
    const auto o = dump("--chunks 3 -o " + dir_.path("parts"));
    ASSERT_EQ(o.exit_code, 0) << o.output;
    for (const char* part : {"part-001.sql", "part-002.sql", "part-003.sql"}) {
        const auto imported =
            testing::import_with_mariadb_client(destination_, dir_.path("parts/") + part);
        ASSERT_EQ(imported.exit_code, 0) << part << ": " << imported.output;
    }
    expect_identical();
}

TEST_F(DumpFidelity, EveryTypeSurvivesMigrateByteForByte) {
    EXPECT_EQ(migrate_fidelity_account(""), "array insert");
    expect_identical();
}

// The same with multi-row prepared INSERTs, as on a server that takes no arrays of rows.
TEST_F(DumpFidelity, EveryTypeSurvivesMigrateWithPreparedInsertsByteForByte) {
    EXPECT_EQ(migrate_fidelity_account("GANGWAY_MOVER_NO_ARRAYS=1"), "prepared insert");
    expect_identical();
}

// The same with the values in the INSERT statements' text, as when the destination refuses
// prepared statements.
TEST_F(DumpFidelity, EveryTypeSurvivesMigrateWithInsertsByteForByte) {
    EXPECT_EQ(migrate_fidelity_account("GANGWAY_MOVER_INSERT_ONLY=1"), "insert");
    expect_identical();
}

}  // namespace
}  // namespace gangway::mover
