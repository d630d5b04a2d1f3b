// `gangway dump` on the example app: the account's rows and end_sql land in an empty copy of
// the app through the stock mariadb client, --cleanse replaces what the model says (and
// cleansed keys still join), and every kind of bad input fails clearly with its exit code.
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gateway/mover/row_cleanser.hpp"
#include "tests/mover/dump_test_support.hpp"

namespace gangway::mover {
namespace {

using gangway::testing::test_database;
using testing::query_text;
using testing::query_value;

constexpr const char* cleansing_key = "test-cleansing-key-0123456789";

class DumpCommand : public ::testing::Test {
protected:
    DumpCommand() : destination_("site_b"), dir_(source_) {
        testing::create_example_app(source_);
        testing::seed_example_accounts(source_);
        testing::create_example_app(destination_);
        // The example model, with its cleansing key in a file next to it, and invitations:
        // their email is cleansed like users.email, so the two still join after cleansing.
        std::string model = testing::read_text(testing::example_model_path());
        const std::string env = "key_env = \"GANGWAY_CLEANSE_KEY\"";
        model.replace(model.find(env), env.size(), "key_file = \"cleanse.key\"");
        model +=
            "\n[tables.invitations]\ncleanse = { email = \"email\" }\n"
            "\n[[relationships]]\nfrom = \"accounts.id\"\nto = \"invitations.account_id\"\n";
        dir_.write("model.toml", model);
        dir_.write("cleanse.key", std::string(cleansing_key) + "\n");
        const std::string invitations =
            "CREATE TABLE invitations (id BIGINT UNSIGNED NOT NULL PRIMARY KEY, account_id "
            "BIGINT UNSIGNED NOT NULL, email VARCHAR(254) NOT NULL, KEY (account_id))";
        source_.execute(invitations);
        destination_.execute(invitations);
        source_.execute(
            "INSERT INTO invitations VALUES (1, 1, 'bob@acme.test'), (2, 1, 'new@acme.test'), "
            "(3, 2, 'dan@bolt.test')");
    }

    testing::outcome dump(const std::string& args, const std::string& config = "") {
        return testing::run_gangway("dump --config " + (config.empty() ? dir_.config() : config) +
                                    " --schema " + dir_.path("model.toml") + " " + args);
    }

    void import(const std::string& file) {
        const auto o = testing::import_with_mariadb_client(destination_, file);
        ASSERT_EQ(o.exit_code, 0) << o.output;
    }

    test_database source_;
    test_database destination_;
    testing::work_dir dir_;
};

TEST_F(DumpCommand, AnAccountImportsIntoAnEmptyCopyWithItsEndSql) {
    const auto o = dump("-o " + dir_.path("a1.sql") + " 1");
    ASSERT_EQ(o.exit_code, 0) << o.output;
    // Not a terminal: progress is JSON lines, the last one a summary.
    EXPECT_NE(o.output.find("{\"bytes\":"), std::string::npos) << o.output;
    EXPECT_NE(o.output.find("\"event\":\"done\""), std::string::npos) << o.output;
    // Read by the move's set queries, in one snapshot, not walked page by page.
    EXPECT_NE(o.output.find("\"read\":\"sets\""), std::string::npos) << o.output;
    import(dir_.path("a1.sql"));
    const char* users = "SELECT id, account_id, email, name, password, api_token FROM users ORDER BY id";
    EXPECT_EQ(query_text(destination_, users),
              query_text(source_, "SELECT id, account_id, email, name, password, api_token FROM "
                                  "users WHERE account_id = 1 ORDER BY id"));
    EXPECT_EQ(query_value(destination_, "SELECT COUNT(*) FROM messages"), "30");
    EXPECT_EQ(query_value(destination_, "SELECT COUNT(*) FROM accounts"), "1");
    EXPECT_EQ(query_value(destination_, "SELECT COUNT(*) FROM django_session"), "0");
    EXPECT_EQ(query_value(destination_, "SELECT GROUP_CONCAT(code) FROM countries"), "DE");
    // end_sql ran with the account id bound: the counter is recomputed.
    EXPECT_EQ(query_value(destination_, "SELECT message_count FROM accounts WHERE id = 1"), "30");
    // Shared rows are INSERT IGNORE: a second account of the same country imports too.
    ASSERT_EQ(dump("-o " + dir_.path("a3.sql") + " 3").exit_code, 0);
    import(dir_.path("a3.sql"));
    EXPECT_EQ(query_value(destination_, "SELECT COUNT(*) FROM accounts"), "2");
}

// A cycle edge that reaches further than the set queries (rows sharing a tag, one of them a
// conversation of account 2): the dump walks instead, and the walk follows that edge.
TEST_F(DumpCommand, ACycleThatReachesFurtherIsWalked) {
    dir_.write("model.toml", testing::read_text(dir_.path("model.toml")) +
                                 "\n[[relationships]]\nfrom = \"conversation_tags.tag_id\"\n"
                                 "to = \"conversation_tags.tag_id\"\n");
    const auto other = query_value(source_, "SELECT MIN(id) FROM conversations WHERE account_id = 2");
    source_.execute("INSERT INTO conversation_tags (conversation_id, tag_id) VALUES (" + other + ", 1)");
    const auto o = dump("-o " + dir_.path("a1.sql") + " 1");
    ASSERT_EQ(o.exit_code, 0) << o.output;
    EXPECT_NE(o.output.find("\"read\":\"walk\""), std::string::npos) << o.output;
    import(dir_.path("a1.sql"));
    EXPECT_EQ(query_value(destination_, "SELECT COUNT(*) FROM conversation_tags WHERE conversation_id = " + other),
              "1");
}

TEST_F(DumpCommand, CleanseReplacesValuesDeterministicallyAndKeysStillJoin) {
    const auto o = dump("--cleanse -o " + dir_.path("c.sql") + " 1 2");
    ASSERT_EQ(o.exit_code, 0) << o.output;
    const std::string text = testing::read_text(dir_.path("c.sql"));
    EXPECT_EQ(text.find("acme.test"), std::string::npos) << "an email was left as it was";
    import(dir_.path("c.sql"));
    for (const auto& row : query_text(destination_, "SELECT id, email, name, password, api_token "
                                                    "FROM users ORDER BY id")) {
        const std::string original =
            query_value(source_, "SELECT email FROM users WHERE id = " + row[0]);
        EXPECT_EQ(row[1], cleansed_email(cleansing_key, original));
        EXPECT_TRUE(std::regex_match(row[1], std::regex("u[0-9a-f]{16}@example\\.invalid")));
        EXPECT_TRUE(std::regex_match(row[2], std::regex("[A-Z][a-z]+ [A-Z][a-z]+"))) << row[2];
        EXPECT_EQ(row[3], "!");
        EXPECT_EQ(row[4], "NULL");
    }
    // Invitations of existing users still find them by (cleansed) email.
    const char* joined = "SELECT COUNT(*) FROM invitations i JOIN users u ON u.email = i.email";
    EXPECT_EQ(query_value(destination_, joined), "2");
    EXPECT_EQ(query_value(destination_, joined), query_value(source_, joined));
    // Keys that were not cleansed join as before.
    EXPECT_EQ(query_value(destination_, "SELECT COUNT(*) FROM messages m JOIN users u ON "
                                        "u.id = m.author_id"),
              "36");
    // The same key gives the same file.
    ASSERT_EQ(dump("--cleanse -o " + dir_.path("again.sql") + " 1 2").exit_code, 0);
    const auto body = [](std::string s) { return s.substr(s.find('\n')); };
    EXPECT_EQ(body(testing::read_text(dir_.path("again.sql"))), body(text));
}

TEST_F(DumpCommand, AnUnknownAccountFailsAndWritesNothing) {
    const auto o = dump("-o " + dir_.path("x.sql") + " 1 999");
    EXPECT_EQ(o.exit_code, 1) << o.output;
    EXPECT_NE(o.output.find("gangway dump: account 999: no row in accounts with id = 999; "
                            "nothing written"),
              std::string::npos)
        << o.output;
    EXPECT_FALSE(testing::fs::exists(dir_.path("x.sql")));
    for (const auto& entry : testing::fs::directory_iterator(dir_.path(""))) {
        EXPECT_EQ(entry.path().string().find(".tmp-"), std::string::npos) << entry.path();
    }
}

TEST_F(DumpCommand, BadUsageExitsTwo) {
    auto o = testing::run_gangway("dump --config " + dir_.config() + " --schema " +
                                  dir_.path("nope.toml") + " -o " + dir_.path("x.sql") + " 1");
    EXPECT_EQ(o.exit_code, 2) << o.output;
    EXPECT_NE(o.output.find("nope.toml"), std::string::npos) << o.output;
    o = dump("-o " + dir_.path("x.sql") + " abc");
    EXPECT_EQ(o.exit_code, 2) << o.output;
    EXPECT_NE(o.output.find("ACCOUNT abc: not an integer"), std::string::npos) << o.output;
    o = dump("-o " + dir_.path("x.sql"));  // no account
    EXPECT_EQ(o.exit_code, 2) << o.output;
    o = dump("--chunks 0 -o " + dir_.path("x.sql") + " 1");
    EXPECT_EQ(o.exit_code, 2) << o.output;
    dir_.write("cleanse.key", "short\n");
    o = dump("--cleanse -o " + dir_.path("x.sql") + " 1");
    EXPECT_EQ(o.exit_code, 2) << o.output;
    EXPECT_NE(o.output.find("the key is shorter than 16 bytes"), std::string::npos) << o.output;
    EXPECT_FALSE(testing::fs::exists(dir_.path("x.sql")));
}

TEST_F(DumpCommand, AnUnreachableDatabaseExitsOne) {
    std::string config = testing::read_text(dir_.config());
    const std::string port = "port = " + std::to_string(source_.config().port);
    config.replace(config.find(port), port.size(), "port = 1");
    dir_.write("down.toml", config);
    const auto o = dump("-o " + dir_.path("x.sql") + " 1", dir_.path("down.toml"));
    EXPECT_EQ(o.exit_code, 1) << o.output;
    EXPECT_NE(o.output.find("gangway dump: database " + source_.config().name + " at 127.0.0.1:1"),
              std::string::npos)
        << o.output;
    EXPECT_FALSE(testing::fs::exists(dir_.path("x.sql")));
}

}  // namespace
}  // namespace gangway::mover
