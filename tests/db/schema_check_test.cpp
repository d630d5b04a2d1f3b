// `gangway schema check` against the example app in a real MariaDB: a clean pass on the
// example model, then one test per kind of failure, each changing one thing.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gateway/mover/schema_check.hpp"
#include "tests/mover/mover_db_support.hpp"

namespace gangway::mover {
namespace {

using gangway::testing::test_database;
using strings = std::vector<std::string>;

// The example model, with `from` replaced by `to` (which must be there once).
std::string example_model_with(const std::string& from = "", const std::string& to = "") {
    std::string text = testing::read_text(testing::example_model_path());
    if (from.empty()) return text;
    const auto at = text.find(from);
    if (at == std::string::npos) throw std::invalid_argument("not in the example: " + from);
    return text.replace(at, from.size(), to);
}

// Every problem check finds in the model text against the database.
strings problems(const test_database& db, const std::string& model_text) {
    const schema_result model = parse_schema_model(model_text, testing::example_model_path());
    if (!model.value) throw std::invalid_argument(model.errors[0].to_string());
    const traversal_plan plan = plan_traversal(*model.value);
    strings out;
    for (const auto& p : check_schema(*model.value, plan, testing::catalog_of(db))) {
        out.push_back(p.to_string());
    }
    return out;
}

// The example app, its database and a gateway config for the command.
class SchemaCheck : public ::testing::Test {
protected:
    SchemaCheck() : dir_(db_) { testing::create_example_app(db_); }

    testing::outcome check(const std::string& model_text) {
        dir_.write("model.toml", model_text);
        return testing::run_gangway("schema check --config " + dir_.config() + " --schema " +
                                    dir_.path("model.toml"));
    }

    test_database db_;
    testing::work_dir dir_;
};

TEST_F(SchemaCheck, TheExampleModelIsClean) {
    EXPECT_EQ(problems(db_, example_model_with()), strings{});
    const auto o = check(example_model_with());
    EXPECT_EQ(o.exit_code, 0) << o.output;
    EXPECT_NE(o.output.find("visit order: accounts, countries, users, conversations, messages, "),
              std::string::npos)
        << o.output;
    EXPECT_NE(o.output.find("cycle through conversations, messages: ends by the key cache of "
                            "conversations, messages; back along messages.id -> "
                            "conversations.last_message_id\n"),
              std::string::npos)
        << o.output;
    EXPECT_NE(o.output.find("schema OK: 11 tables copied, 1 excluded, 1 cycle(s) ended by the key "
                            "cache\n"),
              std::string::npos)
        << o.output;
}

TEST_F(SchemaCheck, FailsOnATableTheModelNeverMentions) {
    db_.execute("CREATE TABLE webhooks (id BIGINT PRIMARY KEY, account_id BIGINT NOT NULL)");
    db_.execute("CREATE TABLE gangway_instance (id BIGINT PRIMARY KEY)");  // never expected
    EXPECT_EQ(problems(db_, example_model_with()),
              strings{"webhooks: not mentioned in the model: its rows would be left behind; add a "
                      "relationship that reaches it, or list it under [excluded] with a reason"});
    const auto o = check(example_model_with());
    EXPECT_EQ(o.exit_code, 1) << o.output;
    EXPECT_NE(o.output.find("\nwebhooks: not mentioned in the model"), std::string::npos)
        << o.output;
    EXPECT_NE(o.output.find("1 problem(s) in "), std::string::npos) << o.output;
}

TEST_F(SchemaCheck, FailsOnALookupNoIndexServes) {
    db_.execute("ALTER TABLE attachments DROP INDEX attachments_owner");
    const std::string fix =
        " would scan the whole table; add an index that starts with (owner_type, owner_id)";
    EXPECT_EQ(problems(db_, example_model_with()),
              (strings{"relationships[7]: attachments.owner_id: not indexed: following messages.id "
                       "-> attachments.owner_id where attachments.owner_type = 'message'" +
                           fix,
                       "relationships[8]: attachments.owner_id: not indexed: following "
                       "conversations.id -> attachments.owner_id where attachments.owner_type = "
                       "'conversation'" +
                           fix}));
    EXPECT_EQ(check(example_model_with()).exit_code, 1);
}

TEST_F(SchemaCheck, FailsOnAColumnTheTableLacks) {
    const std::string model = example_model_with("cleanse = { filename = \"hash\" }",
                                                 "cleanse = { file_name = \"hash\" }");
    EXPECT_EQ(
        problems(db_, model),
        strings{"tables.attachments.cleanse.file_name: attachments.file_name: no such column"});
    const auto o = check(model);
    EXPECT_EQ(o.exit_code, 1) << o.output;
    EXPECT_NE(o.output.find("attachments.file_name: no such column"), std::string::npos)
        << o.output;
}

TEST_F(SchemaCheck, FailsOnACycleNoKeyCacheEnds) {
    const std::string model =
        example_model_with("batch_rows = 200 ", "key_cache = false\nbatch_rows = 200 ") +
        "\n[tables.conversations]\nkey_cache = false\nduplicates = \"ignore\"\n";
    EXPECT_EQ(problems(db_, model),
              (strings{"relationships[4]: cycle through conversations, messages: never ends: no "
                       "table on it keeps a key cache; set key_cache = true on one of them",
                       "tables.messages: messages: key_cache is false but its rows can come more "
                       "than once (it is on a cycle): keep the key cache or set duplicates = "
                       "\"ignore\""}));
    const auto o = check(model);
    EXPECT_EQ(o.exit_code, 1) << o.output;
    EXPECT_NE(o.output.find("cycle through conversations, messages: NEVER ENDS"), std::string::npos)
        << o.output;
}

TEST_F(SchemaCheck, FailsOnKeysAndCleansingThatDoNotFit) {
    db_.execute(
        "CREATE TABLE notes (account_id BIGINT UNSIGNED NOT NULL, body TEXT NOT NULL, "
        "KEY notes_account (account_id))");
    const std::string model =
        example_model_with("[tables.events]",
                           "[tables.notes]\ncleanse = { body = \"null\" }\n\n"
                           "[tables.events]") +
        "\n[[relationships]]\nfrom = \"accounts.id\"\nto = \"notes.account_id\"\n";
    EXPECT_EQ(
        problems(db_, model),
        (strings{"tables.notes: notes: no primary key: declare tables.notes.key as the "
                 "columns of a unique index",
                 "tables.notes.cleanse.body: notes.body: rule \"null\" on a NOT NULL column"}));
}

TEST_F(SchemaCheck, FailsOnTablesTheDatabaseLacks) {
    const std::string model =
        example_model_with("[excluded]\n", "[excluded]\nold_stuff = \"gone\"\n");
    EXPECT_EQ(
        problems(db_, model),
        strings{"excluded.old_stuff: old_stuff: no such table in database " + db_.config().name});
}

TEST_F(SchemaCheck, ABadModelOrConfigExitsTwo) {
    auto o = check("format = 1\n[root]\ntable = \"accounts\"\n");
    EXPECT_EQ(o.exit_code, 2) << o.output;
    EXPECT_NE(o.output.find("root.key: required"), std::string::npos) << o.output;
    o = testing::run_gangway("schema check --config " + dir_.config());
    EXPECT_EQ(o.exit_code, 2) << o.output;
    o = testing::run_gangway("schema check --config " + dir_.path("nope.toml") + " --schema " +
                             testing::example_model_path());
    EXPECT_EQ(o.exit_code, 2) << o.output;
}

}  // namespace
}  // namespace gangway::mover
