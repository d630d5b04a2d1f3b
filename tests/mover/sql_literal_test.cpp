// SQL literals of `gangway dump`, the layout of a table's columns, and end_sql binding.
#include "gateway/mover/sql_literal.hpp"

#include <string>

#include <gtest/gtest.h>

namespace gangway::mover {
namespace {

std::string literal(value_kind kind, const row_field& value) {
    std::string out;
    append_literal(out, layout_column{"c", kind, false, "", "", 0}, value);
    return out;
}

TEST(SqlLiteral, StringsEscapeWhatTheMariadbClientNeeds) {
    std::string out;
    append_string_literal(out, std::string("a'b\\c\0d\ne\rf\x1ag\"h\t\xF0\x9F\x98\x80", 20));
    EXPECT_EQ(out, std::string("'a\\'b\\\\c\\0d\\ne\\rf\\Zg\"h\t\xF0\x9F\x98\x80'"));
}

TEST(SqlLiteral, BytesAreHex) {
    std::string out;
    append_hex_literal(out, std::string("\x00\x01\xAB\xFF", 4));
    EXPECT_EQ(out, "0x0001ABFF");
    out.clear();
    append_hex_literal(out, "");
    EXPECT_EQ(out, "X''");
}

TEST(SqlLiteral, EachKindWritesItsExactText) {
    EXPECT_EQ(literal(value_kind::integer, std::nullopt), "NULL");
    EXPECT_EQ(literal(value_kind::integer, "-9223372036854775808"), "-9223372036854775808");
    EXPECT_EQ(literal(value_kind::decimal, "-0.000000000000000000000000000001"),
              "-0.000000000000000000000000000001");
    EXPECT_EQ(literal(value_kind::bit, "18446744073709551615"), "18446744073709551615");
    // Doubles get an exponent so the server parses a DOUBLE, not a DECIMAL.
    EXPECT_EQ(literal(value_kind::floating, "0.1"), "0.1e0");
    EXPECT_EQ(literal(value_kind::floating, "5e-324"), "5e-324");
    EXPECT_EQ(literal(value_kind::floating, "-1.7976931348623157e308"), "-1.7976931348623157e308");
    EXPECT_EQ(literal(value_kind::temporal, "2024-02-29 23:59:59.999999"),
              "'2024-02-29 23:59:59.999999'");
    EXPECT_EQ(literal(value_kind::text, "{\"a\": 1}"), "'{\"a\": 1}'");
    EXPECT_EQ(literal(value_kind::bytes, "AB"), "0x4142");
    // A cleansing constant that is no number is quoted, whatever the column.
    EXPECT_EQ(literal(value_kind::integer, "n/a"), "'n/a'");
    EXPECT_EQ(literal(value_kind::floating, "1e"), "'1e'");
    EXPECT_EQ(literal(value_kind::decimal, "1.2.3"), "'1.2.3'");
}

TEST(SqlLiteral, InsertsLeaveGeneratedColumnsOut) {
    table_layout t;
    t.name = "t";
    t.columns = {{"id", value_kind::integer, false, "bigint", "bigint(20)", 0},
                 {"g", value_kind::integer, true, "bigint", "bigint(20)", 0},
                 {"s", value_kind::text, false, "varchar", "varchar(5)", 5}};
    EXPECT_EQ(insert_head(t), "INSERT INTO `t` (`id`, `s`) VALUES ");
    std::string values;
    append_row_values(values, t, {"1", "2", std::nullopt});
    EXPECT_EQ(values, "(1, NULL)");
    t.insert_ignore = true;
    EXPECT_EQ(insert_head(t), "INSERT IGNORE INTO `t` (`id`, `s`) VALUES ");
    EXPECT_EQ(quote_identifier("a`b"), "`a``b`");
}

TEST(SqlLiteral, PlaceholdersOutsideQuotesAndCommentsAreBound) {
    EXPECT_EQ(bind_placeholders("UPDATE a SET n = (SELECT 1 WHERE x = ?) WHERE id = ?", "42"),
              "UPDATE a SET n = (SELECT 1 WHERE x = 42) WHERE id = 42");
    EXPECT_EQ(bind_placeholders("SELECT '?', \"?\", `?`, 'it\\'s ?', ? -- why?\n, ?", "'x'"),
              "SELECT '?', \"?\", `?`, 'it\\'s ?', 'x' -- why?\n, 'x'");
}

TEST(TableLayout, EveryTypeHasAKindAndAnExactReadExpression) {
    EXPECT_EQ(kind_of("bigint"), value_kind::integer);
    EXPECT_EQ(kind_of("year"), value_kind::integer);
    EXPECT_EQ(kind_of("decimal"), value_kind::decimal);
    EXPECT_EQ(kind_of("float"), value_kind::floating);
    EXPECT_EQ(kind_of("bit"), value_kind::bit);
    EXPECT_EQ(kind_of("timestamp"), value_kind::temporal);
    EXPECT_EQ(kind_of("longblob"), value_kind::bytes);
    EXPECT_EQ(kind_of("point"), value_kind::bytes);
    EXPECT_EQ(kind_of("json"), value_kind::text);
    EXPECT_EQ(kind_of("enum"), value_kind::text);
    EXPECT_EQ(select_expression({"f", value_kind::floating, false, "float", "float", 0}),
              "CAST(CAST(`f` AS DOUBLE) AS CHAR)");
    EXPECT_EQ(select_expression({"b", value_kind::bit, false, "bit", "bit(64)", 0}),
              "CAST(CAST(`b` AS UNSIGNED) AS CHAR)");
    EXPECT_EQ(select_expression({"b", value_kind::bytes, false, "blob", "blob", 0}), "`b`");
}

}  // namespace
}  // namespace gangway::mover
