// The copy's pieces that need no database: the prepared INSERTs' shape, how a table is split
// into key ranges, and the row checksums
// verify compares (their SQL twin is checked against a server by the migrate tests).
#include "gateway/mover/bound_insert.hpp"
#include "gateway/mover/key_ranges.hpp"
#include "gateway/mover/row_checksum.hpp"
#include "gateway/mover/set_reader.hpp"

#include <string>

#include <gtest/gtest.h>

namespace gangway::mover {
namespace {

layout_column column(const std::string& name, value_kind kind, bool generated = false) {
    return layout_column{name, kind, generated, "", "", 0};
}

table_layout three_columns() {
    table_layout t;
    t.name = "t";
    t.columns = {column("id", value_kind::integer), column("body", value_kind::text),
                 column("flags", value_kind::bit), column("twice", value_kind::integer, true)};
    t.key = {0};
    return t;
}

TEST(BoundInsert, OnePlaceholderPerWrittenColumnAndRow) {
    EXPECT_EQ(bound_insert_sql(three_columns(), 2, false),
              "INSERT INTO `t` (`id`, `body`, `flags`) VALUES (?, ?, ?), (?, ?, ?)");
    EXPECT_EQ(bound_insert_sql(three_columns(), 1, true), "INSERT IGNORE INTO `t` (`id`, `body`, `flags`) VALUES (?, ?, ?)");
}

TEST(BoundInsert, AStatementStaysUnderTheServersParameterLimit) {
    EXPECT_EQ(bound_rows_per_statement(three_columns()), 1000u);
    table_layout wide;
    for (int i = 0; i < 300; ++i) wide.columns.push_back(column("c" + std::to_string(i), value_kind::text));
    EXPECT_EQ(bound_rows_per_statement(wide), 65535u / 300);
    table_layout widest;
    for (int i = 0; i < 70000; ++i) widest.columns.push_back(column("c", value_kind::text));
    EXPECT_EQ(bound_rows_per_statement(widest), 1u);
}

table_layout keyed_by_primary() {
    table_layout t = three_columns();
    t.key_is_primary = true;
    return t;
}

std::vector<std::string> texts(const std::vector<key_part>& parts) {
    std::vector<std::string> out;
    for (const auto& p : parts) out.push_back(p.text());
    return out;
}

TEST(KeyRanges, ADenseSpanSplitsIntoEqualWidthsInKeyOrderThenTheRest) {
    const key_span span{"1", "1000000", 1000000};
    EXPECT_EQ(texts(key_parts(keyed_by_primary(), span, 4)),
              (std::vector<std::string>{"keys 1..250000", "keys 250001..500000", "keys 500001..750000",
                                        "keys 750001..1000000", "keys outside 1..1000000"}));
    // Fewer rows: one part per min_part_rows; a few: one, still by the primary key.
    EXPECT_EQ(key_parts(keyed_by_primary(), key_span{"1", "300000", 200000}, 4).size(), 2u + 1);
    EXPECT_EQ(texts(key_parts(keyed_by_primary(), key_span{"5", "9", 5}, 4)),
              (std::vector<std::string>{"keys 5..9", "keys outside 5..9"}));
}

TEST(KeyRanges, TheWholeIntegerRangeSplitsWithoutOverflow) {
    const key_span unsigned_span{"0", "18446744073709551615", 18446744073709551615u};
    const auto parts = key_parts(keyed_by_primary(), unsigned_span, 2, 1);
    EXPECT_EQ(texts(parts), (std::vector<std::string>{"keys 0..9223372036854775807",
                                                      "keys 9223372036854775808..18446744073709551615",
                                                      "keys outside 0..18446744073709551615"}));
    const key_span signed_span{"-9223372036854775808", "9223372036854775807", 18446744073709551615u};
    EXPECT_EQ(key_parts(keyed_by_primary(), signed_span, 2, 1).front().text(), "keys -9223372036854775808..-1");
}

TEST(KeyRanges, SparseSpansAndOtherKeysAreReadWhole) {
    const auto whole = std::vector<std::string>{""};
    EXPECT_EQ(texts(key_parts(keyed_by_primary(), key_span{"1", "1000", 499}, 4)), whole);  // under half
    EXPECT_EQ(texts(key_parts(keyed_by_primary(), key_span{"1", "1000", 500}, 4, 1)).size(), 5u);
    EXPECT_EQ(texts(key_parts(three_columns(), key_span{"1", "10", 10}, 4)), whole);  // not the primary key
    EXPECT_EQ(texts(key_parts(keyed_by_primary(), std::nullopt, 4)), whole);
    table_layout text_key = keyed_by_primary();
    text_key.key = {1};
    EXPECT_EQ(texts(key_parts(text_key, key_span{"1", "10", 10}, 4)), whole);
    table_layout two_columns = keyed_by_primary();
    two_columns.key = {0, 2};
    EXPECT_EQ(texts(key_parts(two_columns, key_span{"1", "10", 10}, 4)), whole);
}

TEST(KeyRanges, ASpanIsTakenOnlyOverIntegers) {
    const auto span = span_of({{"7"}, {"-3"}, {"12"}});
    ASSERT_TRUE(span);
    EXPECT_EQ(span->low, "-3");
    EXPECT_EQ(span->high, "12");
    EXPECT_EQ(span->rows, 3u);
    EXPECT_FALSE(span_of({{"7"}, {"x"}}));
    EXPECT_EQ(span_of({{"7", "x"}, {"2", "y"}})->low, "2");  // the first column of a longer key
    EXPECT_EQ(span_of({{"7", "8"}}, 1)->high, "8");
    EXPECT_FALSE(span_of({{"7"}}, 1));
    EXPECT_FALSE(span_of({{"123456789012345678901"}}));
    EXPECT_FALSE(span_of({}));
}

TEST(TableSum, PartsAddUpSumBySum) {
    table_sum crc{2, "4294967295:10", true};
    crc += table_sum{3, "1:5", true};
    EXPECT_EQ(crc.rows, 5u);
    EXPECT_EQ(crc.digest_sum, "4294967296:15");
    table_sum md5{1, "999999999999999999999999", false};  // past 64 bits
    md5 += table_sum{1, "1", false};
    EXPECT_EQ(md5.digest_sum, "1000000000000000000000000");
    table_sum empty{0, "0:0", true};
    empty += table_sum{0, "0:0", true};
    EXPECT_EQ(empty.digest_sum, "0:0");
}

TEST(RowChecksum, CrcsMatchTheirCheckValues) {
    EXPECT_EQ(crc32("123456789"), 0xCBF43926u);
    EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
    EXPECT_EQ(crc32(""), 0u);
    const std::string long_text(1000, 'x');  // the eight-byte steps and the tail
    EXPECT_EQ(crc32c(long_text), crc32c(long_text.substr(0, 500) + long_text.substr(500)));
    EXPECT_NE(crc32c(long_text), crc32c(long_text.substr(1)));
}

TEST(RowChecksum, NullEmptyAndShiftedValuesGiveOtherRows) {
    table_layout t;
    t.columns = {column("a", value_kind::text), column("b", value_kind::text)};
    const auto sum = [&](const table_row& r) {
        row_sums s;
        std::string scratch;
        s.add(t, r, scratch);
        return s.text();
    };
    EXPECT_NE(sum({std::nullopt, "x"}), sum({"", "x"}));
    EXPECT_NE(sum({"N", "x"}), sum({std::nullopt, "x"}));
    EXPECT_NE(sum({"a\x1f", "b"}), sum({"a", "\x1f" "b"}));
    EXPECT_EQ(sum({"a", "b"}), sum({"a", "b"}));
}

TEST(RowChecksum, TheSqlJoinsTheSameFields) {
    table_layout t;
    t.columns = {column("n", value_kind::integer), column("s", value_kind::text),
                 column("u", value_kind::text), column("b", value_kind::bytes)};
    t.columns[1].charset = "latin1";
    t.columns[2].charset = "utf8mb4";
    // Text in another charset is converted to the reader's utf8mb4; utf8mb4 text is not.
    EXPECT_EQ(row_text_expression(t),
              "CONCAT_WS(0x1f, IFNULL(`n`, 'N'), IFNULL(LENGTH(CONVERT(`s` USING utf8mb4)), 'N'), "
              "CONVERT(`s` USING utf8mb4), IFNULL(LENGTH(`u`), 'N'), `u`, IFNULL(LENGTH(`b`), 'N'), `b`)");
}

}  // namespace
}  // namespace gangway::mover
