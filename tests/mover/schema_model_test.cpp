// The schema model loader: the example model, and every malformed case with its key path.
#include "gateway/mover/schema_model.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gateway/mover/schema_writer.hpp"
#include "tests/mover/mover_test_support.hpp"

namespace gangway::mover {
namespace {

using error_list = std::vector<std::string>;

error_list errors_of(const schema_result& r) {
    error_list out;
    for (const auto& e : r.errors) out.push_back(e.to_string());
    return out;
}

TEST(SchemaModel, LoadsTheExampleModel) {
    const schema_result r = load_schema_model(testing::example_model_path());
    ASSERT_TRUE(r.value) << ::testing::PrintToString(errors_of(r));
    const schema_model& m = *r.value;
    EXPECT_EQ(m.root_table, "accounts");
    EXPECT_EQ(m.root_key, "id");
    EXPECT_EQ(m.batch_rows, 1000u);
    EXPECT_EQ(m.lookup_batch, 500u);
    EXPECT_EQ(m.dump_chunks, 1u);
    EXPECT_EQ(m.cleansing_key.env, "GANGWAY_CLEANSE_KEY");
    ASSERT_EQ(m.end_sql.size(), 1u);
    EXPECT_NE(m.end_sql[0].find("message_count"), std::string::npos);

    EXPECT_TRUE(m.rules_for("countries").shared);
    EXPECT_FALSE(m.rules_for("events").key_cache);
    EXPECT_EQ(m.batch_rows_for("messages"), 200u);
    EXPECT_EQ(m.batch_rows_for("tags"), 1000u);  // not declared: the default
    const auto& users = m.tables.at("users").cleanse;
    ASSERT_EQ(users.size(), 4u);  // sorted by column
    EXPECT_EQ(users[0], (cleanse_rule{"api_token", cleanse_kind::null, {}}));
    EXPECT_EQ(users[1], (cleanse_rule{"email", cleanse_kind::email, {}}));
    EXPECT_EQ(users[2], (cleanse_rule{"name", cleanse_kind::fake_name, {}}));
    EXPECT_EQ(users[3], (cleanse_rule{"password", cleanse_kind::constant, std::string("!")}));

    ASSERT_EQ(m.relationships.size(), 12u);
    const relationship& tags = m.relationships[6];
    ASSERT_TRUE(tags.through);
    EXPECT_EQ(*tags.through, (join_table{"conversation_tags", {"conversation_id"}, {"tag_id"}}));
    EXPECT_EQ(m.relationships[7].to_match,
              (std::vector<column_value>{{"owner_type", std::string("message")}}));
    EXPECT_EQ(m.relationships[10].from, (table_columns{"daily_stats", {"account_id", "day"}}));
    EXPECT_EQ(m.relationships[3].lookup_batch, 100u);
    EXPECT_EQ(m.relationships[3].key_path, "relationships[3]");
    ASSERT_EQ(m.excluded.size(), 1u);
    EXPECT_EQ(m.excluded[0].name, "django_session");
}

TEST(SchemaModel, WrittenModelsReadBackTheSame) {
    const schema_result example = load_schema_model(testing::example_model_path());
    ASSERT_TRUE(example.value);
    schema_model model = *example.value;
    model.relationships[1].both_ways = true;  // the writer's other branches, too
    model.relationships[1].from_match = {{"kind", std::int64_t{3}}};
    model.tables["users"].duplicates = duplicate_policy::ignore;
    model.tables["users"].key = {"id"};
    model.dump_chunks = 4;
    model.cleansing_key = {"/etc/gangway/cleanse.key", ""};
    const std::string text = write_schema_toml(model, {"header"}, {"footer"});
    const schema_result again = parse_schema_model(text, model.source_path);
    ASSERT_TRUE(again.value) << ::testing::PrintToString(errors_of(again)) << text;
    EXPECT_EQ(*again.value, model) << text;
}

TEST(SchemaModel, KeyFilePathsResolveAgainstTheModelsDirectory) {
    const auto r = parse_schema_model(
        std::string(testing::minimal_model) + "[cleansing]\nkey_file = \"keys/cleanse.key\"\n",
        "/srv/gangway/schema.toml");
    ASSERT_TRUE(r.value) << ::testing::PrintToString(errors_of(r));
    EXPECT_EQ(r.value->cleansing_key.file, "/srv/gangway/keys/cleanse.key");
}

TEST(SchemaModel, AMissingFileIsOneError) {
    const auto r = load_schema_model("/nonexistent/schema.toml");
    EXPECT_EQ(errors_of(r), error_list{"schema file not found: /nonexistent/schema.toml"});
}

TEST(SchemaModel, ProblemsComeInDocumentOrder) {
    const auto r = parse_schema_model(R"(
format = 1
[root]
table = "accounts"
key = "id"
[[relationships]]
from = "accounts.id"
to = "users"
[defaults]
batch_rows = 0
)",
                                      "");
    EXPECT_EQ(errors_of(r),
              (error_list{"relationships[0].to: must be \"table.column\" or an array of them, all "
                          "of one table",
                          "defaults.batch_rows: must be an integer 1..100000"}));
}

TEST(SchemaModel, ASyntaxErrorIsOneError) {
    const auto r = parse_schema_model("format = 1\n[root\n", "");
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].to_string().rfind("syntax error at line 2", 0), 0u)
        << r.errors[0].to_string();
}

// Each case: TOML appended to a valid minimal model, and the exact errors.
struct malformed_case {
    const char* name;
    const char* toml;
    error_list errors;
};

constexpr const char* identifier_rule =
    "must be an SQL identifier: 1..64 characters of A-Z a-z 0-9 _ $";
constexpr const char* column_ref_rule =
    "must be \"table.column\" or an array of them, all of one table";

const std::vector<malformed_case>& malformed_cases() {
    static const std::vector<malformed_case> cases{
        {"unknown_key", "colour = 1\n", {"colour: unknown key"}},
        {"defaults_range",
         "[defaults]\nbatch_rows = 0\nlookup_batch = \"5\"\n",
         {"defaults.batch_rows: must be an integer 1..100000",
          "defaults.lookup_batch: must be an integer 1..10000"}},
        {"dump_range", "[dump]\nchunks = 1000\n", {"dump.chunks: must be an integer 1..256"}},
        {"cleansing_both",
         "[cleansing]\nkey_file = \"k\"\nkey_env = \"K\"\n",
         {"cleansing: give one of key_file or key_env, not both"}},
        {"cleansing_env",
         "[cleansing]\nkey_env = \"1-BAD\"\n",
         {"cleansing.key_env: must be an environment variable name (A-Z a-z 0-9 _)"}},
        {"end_sql_empty",
         "end_sql = [\"  \", 3]\n",
         {"end_sql[0]: must be a non-empty string", "end_sql[1]: must be a non-empty string"}},
        {"end_sql_type",
         "end_sql = \"UPDATE x\"\n",
         {"end_sql: must be an array of SQL statements"}},
        {"tables_not_tables",
         "tables = 3\n",
         {"tables: must be a table of tables ([tables.NAME])"}},
        {"table_name",
         "[tables.\"bad.name\"]\nshared = true\n",
         {std::string("tables.\"bad.name\": table name ") + identifier_rule}},
        {"table_unknown_key", "[tables.users]\ncolour = 1\n", {"tables.users.colour: unknown key"}},
        {"table_types",
         "[tables.users]\nshared = \"yes\"\nkey_cache = 1\nbatch_rows = 0\n",
         {"tables.users.shared: must be true or false",
          "tables.users.key_cache: must be true or false",
          "tables.users.batch_rows: must be an integer 1..100000"}},
        {"duplicates",
         "[tables.users]\nduplicates = \"skip\"\n",
         {"tables.users.duplicates: must be \"fail\" or \"ignore\""}},
        {"key_empty",
         "[tables.users]\nkey = []\n",
         {"tables.users.key: must name at least one column"}},
        {"key_twice",
         "[tables.users]\nkey = [\"id\", \"id\", \"a b\"]\n",
         {"tables.users.key[1]: names a column twice",
          std::string("tables.users.key[2]: ") + identifier_rule}},
        {"cleanse_rule",
         "[tables.users]\ncleanse = { email = \"scramble\", x = { value = 1 } }\n",
         {"tables.users.cleanse.email: must be \"email\", \"hash\", \"name\", \"null\" or { "
          "constant = VALUE }",
          "tables.users.cleanse.x: must be \"email\", \"hash\", \"name\", \"null\" or { constant "
          "= VALUE }"}},
        {"cleanse_constant",
         "[tables.users]\ncleanse = { note = { constant = 1.5 } }\n",
         {"tables.users.cleanse.note.constant: must be a string or an integer"}},
        {"cleanse_not_table",
         "[tables.users]\ncleanse = \"email\"\n",
         {"tables.users.cleanse: must be a table of column = rule"}},
        {"relationships_type",
         "relationships = \"x\"\n",
         {"relationships: must be an array of tables ([[relationships]])"}},
        {"relationship_required",
         "[[relationships]]\nboth_ways = true\n",
         {"relationships[0].from: required", "relationships[0].to: required"}},
        {"relationship_unknown_key",
         "[[relationships]]\nfrom = \"accounts.id\"\nto = \"users.account_id\"\nvia = 1\n",
         {"relationships[0].via: unknown key"}},
        {"column_ref",
         "[[relationships]]\nfrom = \"accounts\"\nto = \"users.account_id\"\n",
         {std::string("relationships[0].from: ") + column_ref_rule}},
        {"column_ref_tables",
         "[[relationships]]\nfrom = [\"a.x\", \"b.y\"]\nto = [\"c.x\", \"c.y\"]\n",
         {std::string("relationships[0].from[1]: ") + column_ref_rule}},
        {"column_ref_empty",
         "[[relationships]]\nfrom = []\nto = \"users.account_id\"\n",
         {std::string("relationships[0].from: ") + column_ref_rule}},
        {"column_twice",
         "[[relationships]]\nfrom = [\"a.x\", \"a.x\"]\nto = [\"c.x\", \"c.y\"]\n",
         {"relationships[0].from[1]: names a column twice"}},
        {"pairs",
         "[[relationships]]\nfrom = [\"a.x\", \"a.y\"]\nto = \"c.x\"\n",
         {"relationships[0].to: names 1 column but from names 2 columns: columns join in pairs"}},
        {"match_value",
         "[[relationships]]\nfrom = \"m.id\"\nto = \"att.owner_id\"\n"
         "to_match = { owner_type = 1.5 }\n",
         {"relationships[0].to_match.owner_type: must be a string or an integer"}},
        {"match_shape",
         "[[relationships]]\nfrom = \"m.id\"\nto = \"att.owner_id\"\nfrom_match = \"x\"\n",
         {"relationships[0].from_match: must be a table of column = value, like { owner_type = "
          "\"message\" }"}},
        {"through_tables",
         "[[relationships]]\nfrom = \"c.id\"\nto = \"t.id\"\n"
         "through = { from = \"ct.c_id\", to = \"other.t_id\" }\n",
         {"relationships[0].through.to: must name columns of the same join table as "
          "through.from"}},
        {"through_pairs",
         "[[relationships]]\nfrom = \"c.id\"\nto = \"t.id\"\n"
         "through = { from = [\"ct.a\", \"ct.b\"], to = \"ct.t_id\" }\n",
         {"relationships[0].through: through.from names 2 columns but from names 1 column: "
          "columns join in pairs"}},
        {"through_required",
         "[[relationships]]\nfrom = \"c.id\"\nto = \"t.id\"\nthrough = { from = \"ct.c_id\" }\n",
         {"relationships[0].through.to: required"}},
        {"lookup_batch",
         "[[relationships]]\nfrom = \"accounts.id\"\nto = \"users.account_id\"\nlookup_batch = 0\n",
         {"relationships[0].lookup_batch: must be an integer 1..10000"}},
        {"excluded_reason",
         "[excluded]\naudit = \"\"\nlog = 3\n",
         {"excluded.audit: must give the reason it is not copied, as a string",
          "excluded.log: must give the reason it is not copied, as a string"}},
        {"excluded_and_declared",
         "[tables.users]\nshared = false\n[excluded]\nusers = \"no\"\n",
         {"tables.users: also listed in [excluded]: a table is copied or excluded, not both"}},
        {"relationship_to_excluded",
         "[[relationships]]\nfrom = \"accounts.id\"\nto = \"users.account_id\"\n"
         "[excluded]\nusers = \"no\"\n",
         {"relationships[0]: users is listed in [excluded]"}},
        {"root_excluded",
         "[excluded]\naccounts = \"no\"\n",
         {"root.table: accounts is also listed in [excluded]"}},
        {"root_shared",
         "[tables.accounts]\nshared = true\n",
         {"root.table: accounts is the account's own table: it cannot be shared"}},
        {"shared_to_owned",
         "[tables.countries]\nshared = true\n"
         "[[relationships]]\nfrom = \"countries.code\"\nto = \"users.country\"\n",
         {"relationships[0]: follows from shared table countries to users, which is not shared: "
          "it would copy other accounts' rows"}},
        {"both_ways_into_shared",
         "[tables.countries]\nshared = true\n"
         "[[relationships]]\nfrom = \"accounts.country\"\nto = \"countries.code\"\nboth_ways = "
         "true\n",
         {"relationships[0]: follows from shared table countries to accounts, which is not "
          "shared: it would copy other accounts' rows"}},
        {"shared_join_table",
         "[tables.ct]\nshared = true\n"
         "[[relationships]]\nfrom = \"c.id\"\nto = \"t.id\"\n"
         "through = { from = \"ct.c_id\", to = \"ct.t_id\" }\n",
         {"relationships[0]: join table ct holds the account's rows: it cannot be shared"}},
        {"cleansed_join",
         "[cleansing]\nkey_env = \"K\"\n[tables.users]\ncleanse = { email = \"email\" }\n"
         "[[relationships]]\nfrom = \"users.email\"\nto = \"invitations.email\"\n",
         {"relationships[0]: users.email and invitations.email join but are cleansed "
          "differently: cleansed keys would no longer join"}},
        {"null_cleansed_join",
         "[tables.users]\ncleanse = { team = \"null\" }\n"
         "[[relationships]]\nfrom = \"users.team\"\nto = \"teams.id\"\n",
         {"relationships[0]: users.team and teams.id join: a null or constant cleansing rule "
          "would make every row match"}},
        {"keyed_rule_without_key",
         "[tables.users]\ncleanse = { email = \"email\" }\n",
         {"cleansing: key_file or key_env is required: the email, hash and name rules use a "
          "keyed hash"}},
        {"gangway_table",
         "[tables.gangway_placement]\nshared = true\n",
         {"tables.gangway_placement: gangway_placement is one of gangway's own tables "
          "(gangway_*): the mover never copies them"}},
    };
    return cases;
}

// Test names and failure messages show the case's name, not its bytes.
void PrintTo(const malformed_case& c, std::ostream* os) { *os << c.name; }

class MalformedSchema : public ::testing::TestWithParam<malformed_case> {};

TEST_P(MalformedSchema, ReportsEveryErrorWithItsKeyPath) {
    const auto& c = GetParam();
    const auto r = parse_schema_model(std::string(testing::minimal_model) + c.toml, "");
    EXPECT_FALSE(r.value);
    EXPECT_EQ(errors_of(r), c.errors) << c.toml;
}

INSTANTIATE_TEST_SUITE_P(Cases, MalformedSchema, ::testing::ValuesIn(malformed_cases()),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

// The required parts, each on its own.
TEST(SchemaModel, RequiredKeys) {
    EXPECT_EQ(errors_of(parse_schema_model("", "")),
              (error_list{"format: required", "root: required"}));
    EXPECT_EQ(errors_of(parse_schema_model("format = 2\n[root]\ntable = \"a.b\"\n", "")),
              (error_list{"format: must be 1 (the only format this gangway reads)",
                          "root.key: required",  // reported where [root] starts
                          std::string("root.table: ") + identifier_rule}));
}

}  // namespace
}  // namespace gangway::mover
