// insert_array (array_insert.hpp) against a real MariaDB: rows in several executions, NULLs,
// numbers at the ends of their ranges, text that is not a number in an integer column, a
// duplicate key refused or ignored, and a session that cannot connect.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gateway/mover/array_insert.hpp"
#include "tests/mover/dump_test_support.hpp"

namespace gangway::mover {
namespace {

using gangway::testing::test_database;
using testing::query_text;
using testing::query_value;
using testing::text_rows;

layout_column column(std::string name, value_kind kind, std::string column_type, bool generated = false) {
    layout_column c;
    c.name = std::move(name);
    c.kind = kind;
    c.column_type = std::move(column_type);
    c.generated = generated;
    return c;
}

class ArrayInsert : public ::testing::Test {
protected:
    ArrayInsert() {
        db_.execute("CREATE TABLE t (id BIGINT UNSIGNED PRIMARY KEY, n BIGINT NULL, b BIT(8) NULL, "
                    "s VARCHAR(50) CHARACTER SET utf8mb4 NULL, d DATETIME(6) NULL, "
                    "chars BIGINT AS (CHAR_LENGTH(s)) VIRTUAL)");
        t_.name = "t";
        t_.columns = {column("id", value_kind::integer, "bigint(20) unsigned"),
                      column("n", value_kind::integer, "bigint(20)"),
                      column("b", value_kind::bit, "bit(8)"),
                      column("s", value_kind::text, "varchar(50)"),
                      column("d", value_kind::temporal, "datetime(6)"),
                      column("chars", value_kind::integer, "bigint(20)", true)};
        t_.key = {0};
        t_.key_is_primary = true;
    }

    static table_row row(std::string id, row_field n, row_field b, row_field s, row_field d) {
        return {std::move(id), std::move(n), std::move(b), std::move(s), std::move(d), std::nullopt};
    }

    test_database db_;
    table_layout t_;
};

TEST_F(ArrayInsert, RowsGoInSeveralExecutionsWithEveryValueAsItWas) {
    const std::vector<table_row> rows{
        row("18446744073709551615", "-9223372036854775808", "255", "ü 😀 'quoted'", "2024-02-29 23:59:59.999999"),
        row("1", std::nullopt, std::nullopt, std::nullopt, std::nullopt),
        row("2", "9223372036854775807", "0", "", "1000-01-01 00:00:00.000000"),
        row("3", "42", "7", std::string(40, 'x'), "2038-01-19 03:14:08.000001"),
    };
    native_session session(db_.config());
    ASSERT_TRUE(session.takes_arrays());
    std::uint64_t bytes = 0;
    for (const auto& r : rows) {
        for (const auto& v : r) bytes += v ? v->size() : 0;
    }
    // At most 30 bytes of values per execution: the long rows go one by one, the short ones
    // together; every value is counted once.
    EXPECT_EQ(insert_array(session, t_, rows, false, 30), bytes);
    EXPECT_EQ(query_text(db_, "SELECT id, n, b + 0, s, d, chars FROM t ORDER BY id"),
              (text_rows{{"1", "NULL", "NULL", "NULL", "NULL", "NULL"},
                         {"2", "9223372036854775807", "0", "", "1000-01-01 00:00:00.000000", "0"},
                         {"3", "42", "7", std::string(40, 'x'), "2038-01-19 03:14:08.000001", "40"},
                         {"18446744073709551615", "-9223372036854775808", "255", "ü 😀 'quoted'",
                          "2024-02-29 23:59:59.999999", "12"}}));
}

// Text that is not a number in an integer column goes as text for that batch: the server
// converts it as it would the literal (here it refuses it, as strict mode says).
TEST_F(ArrayInsert, AnIntegerColumnWithTextIsBoundAsTextAndTheServerDecides) {
    native_session session(db_.config());
    insert_array(session, t_, {row("5", "12", std::nullopt, "a", std::nullopt)}, false, 1 << 20);
    EXPECT_THROW(insert_array(session, t_, {row("6", "12abc", std::nullopt, "b", std::nullopt)}, false, 1 << 20),
                 native_error);
    EXPECT_EQ(query_value(db_, "SELECT COUNT(*) FROM t"), "1");
}

TEST_F(ArrayInsert, ADuplicateKeyIsRefusedUnlessIgnored) {
    native_session session(db_.config());
    const std::vector<table_row> rows{row("7", "1", std::nullopt, "first", std::nullopt)};
    insert_array(session, t_, rows, false, 1 << 20);
    const std::vector<table_row> again{row("7", "2", std::nullopt, "second", std::nullopt),
                                       row("8", "3", std::nullopt, "third", std::nullopt)};
    try {
        insert_array(session, t_, again, false, 1 << 20);
        ADD_FAILURE() << "a duplicate key went in";
    } catch (const native_error& e) {
        EXPECT_EQ(e.code(), 1062u) << e.what();
        EXPECT_FALSE(e.connection_lost());
    }
    insert_array(session, t_, again, true, 1 << 20);
    EXPECT_EQ(query_text(db_, "SELECT id, s FROM t ORDER BY id"), (text_rows{{"7", "first"}, {"8", "third"}}));
}

TEST_F(ArrayInsert, AWrongPasswordFailsWithoutShowingIt) {
    database_config cfg = db_.config();
    cfg.password = "not-the-password-4711";
    try {
        native_session session(cfg);
        ADD_FAILURE() << "connected with a wrong password";
    } catch (const native_error& e) {
        EXPECT_EQ(e.code(), 1045u) << e.what();
        EXPECT_EQ(std::string(e.what()).find("4711"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace gangway::mover
