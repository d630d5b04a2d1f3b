// The copy's pieces that need no database: the LOAD DATA file and statement, and the row
// checksums verify compares (their SQL twin is checked against a server by the migrate tests).
#include "gateway/mover/load_data.hpp"
#include "gateway/mover/row_checksum.hpp"

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

TEST(LoadData, FieldsEscapeTheBytesTheFileFormatUses) {
    std::string out;
    append_load_row(out, three_columns(),
                    {"1", std::string("a\tb\nc\\d\re\0f \\N", 14), std::nullopt, "2"});
    EXPECT_EQ(out, "1\ta\\tb\\nc\\\\d\\re\\0f \\\\N\t\\N\n");
}

TEST(LoadData, TheStatementSkipsGeneratedColumnsAndCastsBits) {
    EXPECT_EQ(load_statement(three_columns(), "/tmp/it's"),
              "LOAD DATA LOCAL INFILE '/tmp/it\\'s' IGNORE INTO TABLE `t` CHARACTER SET utf8mb4 "
              "FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (`id`, `body`, "
              "@gw_bit2) SET `flags` = CAST(@gw_bit2 AS UNSIGNED)");
}

TEST(LoadData, SpatialAndLockedAutoIncrementTablesAreInserted) {
    table_layout t = three_columns();
    EXPECT_TRUE(loadable(t, false));
    t.columns[0].auto_increment = true;
    EXPECT_FALSE(loadable(t, false));
    EXPECT_TRUE(loadable(t, true));
    t.columns[0].auto_increment = false;
    t.columns.push_back(layout_column{"shape", value_kind::bytes, false, "point", "point", 0});
    EXPECT_FALSE(loadable(t, true));
    t.columns.back().data_type = "mediumblob";
    EXPECT_TRUE(loadable(t, true));
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
              "CONCAT_WS(0x1f, IFNULL(CAST(CAST(`n` AS CHAR) AS BINARY), 'N'), "
              "IFNULL(LENGTH(CAST(CONVERT(`s` USING utf8mb4) AS BINARY)), 'N'), "
              "CAST(CONVERT(`s` USING utf8mb4) AS BINARY), IFNULL(LENGTH(CAST(`u` AS BINARY)), 'N'), "
              "CAST(`u` AS BINARY), IFNULL(LENGTH(CAST(`b` AS BINARY)), 'N'), CAST(`b` AS BINARY))");
}

}  // namespace
}  // namespace gangway::mover
