// Cleansing rules: HMAC-SHA-256 of the value alone, deterministic, NULL stays NULL.
#include "gateway/mover/row_cleanser.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include <gtest/gtest.h>

namespace gangway::mover {
namespace {

constexpr std::string_view key = "0123456789abcdef-cleansing";

layout_column column(value_kind kind, const std::string& type, std::uint64_t max_length = 0) {
    return {"c", kind, false, type, type, max_length};
}

cleanse_rule rule(cleanse_kind kind, column_literal constant = std::int64_t{0}) {
    return {"c", kind, std::move(constant)};
}

TEST(Cleansing, TheKeyedHashIsHmacSha256) {
    // RFC 4231, test case 2.
    EXPECT_EQ(keyed_hash_hex("Jefe", "what do ya want for nothing?"),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Cleansing, EmailsAreDeterministicAndKeyed) {
    const std::string a = cleansed_email(key, "ann@acme.test");
    EXPECT_TRUE(std::regex_match(a, std::regex("u[0-9a-f]{16}@example\\.invalid"))) << a;
    EXPECT_EQ(a, "u" + keyed_hash_hex(key, "ann@acme.test").substr(0, 16) + "@example.invalid");
    EXPECT_EQ(cleansed_email(key, "ann@acme.test"), a);
    EXPECT_NE(cleansed_email(key, "bob@acme.test"), a);
    EXPECT_NE(cleansed_email("another key of 16+ bytes", "ann@acme.test"), a);
}

TEST(Cleansing, EveryRuleLeavesNullAsNull) {
    for (auto kind : {cleanse_kind::email, cleanse_kind::keyed_hash, cleanse_kind::fake_name,
                      cleanse_kind::null, cleanse_kind::constant}) {
        EXPECT_EQ(cleanse_field(rule(kind), column(value_kind::text, "varchar"), key, std::nullopt),
                  std::nullopt);
    }
}

TEST(Cleansing, HashesFitTheirColumn) {
    EXPECT_EQ(cleanse_field(rule(cleanse_kind::keyed_hash), column(value_kind::text, "char", 10),
                            key, "secret"),
              keyed_hash_hex(key, "secret").substr(0, 10));
    EXPECT_EQ(cleanse_field(rule(cleanse_kind::keyed_hash), column(value_kind::text, "text"), key,
                            "secret")
                  ->size(),
              64u);
    for (const std::string v : {"1", "2", "3", "42", "-7"}) {
        const auto tiny = std::stoll(cleansed_integer(key, v, "tinyint(4)"));
        EXPECT_GE(tiny, 1);
        EXPECT_LE(tiny, 127);
        const auto tiny_unsigned = std::stoll(cleansed_integer(key, v, "tinyint(3) unsigned"));
        EXPECT_LE(tiny_unsigned, 255);
        EXPECT_GE(std::stoll(cleansed_integer(key, v, "bigint(20)")), 1);
        EXPECT_GE(std::stoull(cleansed_integer(key, v, "bigint(20) unsigned")), 1u);
    }
    EXPECT_EQ(cleanse_field(rule(cleanse_kind::keyed_hash),
                            column(value_kind::integer, "int(10) unsigned"), key, "42"),
              cleansed_integer(key, "42", "int(10) unsigned"));
}

TEST(Cleansing, NamesNullsAndConstants) {
    const auto name =
        cleanse_field(rule(cleanse_kind::fake_name), column(value_kind::text, "varchar", 100), key, "Ann");
    EXPECT_TRUE(std::regex_match(*name, std::regex("[A-Z][a-z]+ [A-Z][a-z]+"))) << *name;
    EXPECT_EQ(name, cleansed_name(key, "Ann"));
    EXPECT_EQ(cleanse_field(rule(cleanse_kind::fake_name), column(value_kind::text, "varchar", 3),
                            key, "Ann")
                  ->size(),
              3u);
    EXPECT_EQ(cleanse_field(rule(cleanse_kind::null), column(value_kind::text, "varchar"), key, "x"),
              std::nullopt);
    EXPECT_EQ(cleanse_field(rule(cleanse_kind::constant, std::string("!")),
                            column(value_kind::text, "varchar"), key, "x"),
              "!");
    EXPECT_EQ(cleanse_field(rule(cleanse_kind::constant, std::int64_t{-5}),
                            column(value_kind::integer, "int(11)"), key, "9"),
              "-5");
}

TEST(Cleansing, ACleanserAppliesATablesRules) {
    schema_model m;
    m.tables["users"].name = "users";
    m.tables["users"].cleanse = {{"email", cleanse_kind::email, {}}};
    table_layout t;
    t.name = "users";
    t.columns = {{"id", value_kind::integer, false, "bigint", "bigint(20)", 0},
                 {"email", value_kind::text, false, "varchar", "varchar(254)", 254}};
    std::vector<table_row> rows{{"1", "ann@acme.test"}, {"2", std::nullopt}};
    row_cleanser(m, std::string(key)).cleanse(t, rows);
    EXPECT_EQ(rows[0], (table_row{"1", cleansed_email(key, "ann@acme.test")}));
    EXPECT_EQ(rows[1], (table_row{"2", std::nullopt}));
    t.name = "other";
    rows = {{"1", "ann@acme.test"}};
    row_cleanser(m, std::string(key)).cleanse(t, rows);
    EXPECT_EQ(rows[0][1], "ann@acme.test");
}

TEST(Cleansing, TheKeyComesFromAFileOrTheEnvironment) {
    const auto path = std::filesystem::temp_directory_path() / "gangway-cleanse-key-test";
    std::ofstream(path) << "file key of 16+ bytes\n";
    auto r = load_cleansing_key({path.string(), ""});
    EXPECT_EQ(r.key, "file key of 16+ bytes");
    std::filesystem::remove(path);
    r = load_cleansing_key({path.string(), ""});
    EXPECT_FALSE(r.key);
    EXPECT_NE(r.error.find("cannot read"), std::string::npos);
    ::setenv("GANGWAY_TEST_CLEANSE_KEY", "short", 1);
    r = load_cleansing_key({"", "GANGWAY_TEST_CLEANSE_KEY"});
    EXPECT_EQ(r.error, "cleansing: the key is shorter than 16 bytes");
    ::unsetenv("GANGWAY_TEST_CLEANSE_KEY");
    r = load_cleansing_key({"", "GANGWAY_TEST_CLEANSE_KEY"});
    EXPECT_EQ(r.error,
              "cleansing.key_env: the environment variable GANGWAY_TEST_CLEANSE_KEY is not set");
}

}  // namespace
}  // namespace gangway::mover
