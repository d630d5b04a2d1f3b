// `gangway migrate` between two real MariaDB servers (site_a = legacy, the source; site_b =
// new, the destination), on the example app (tests/mover/example_app.sql, the model
// conf/schema.example.toml): accounts, users, conversations, messages (a cycle through
// conversations.last_message_id), tags through a join table, polymorphic attachments, the
// shared countries table, composite keys (daily_stats, daily_stat_channels).

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/db/placement_store.hpp"
#include "common/db/schema_migrations.hpp"
#include "tests/mover/dump_test_support.hpp"

namespace gangway::mover {
namespace {

using gangway::testing::test_database;
using testing::outcome;
using testing::query_text;
using testing::query_value;
using testing::text_rows;

// The rows of account 1 in each table of the example app, as a query per table.
const std::map<std::string, std::string> account_one_rows{
    // message_count is end_sql's (checked below)
    {"accounts", "SELECT id, name, country_code, owner_id, created_at FROM accounts WHERE id = 1"},
    {"users", "SELECT * FROM users WHERE account_id = 1 ORDER BY id"},
    {"conversations", "SELECT * FROM conversations WHERE account_id = 1 ORDER BY id"},
    {"messages", "SELECT * FROM messages WHERE conversation_id BETWEEN 100 AND 103 ORDER BY id"},
    {"tags", "SELECT * FROM tags WHERE account_id = 1 ORDER BY id"},
    {"conversation_tags",
     "SELECT * FROM conversation_tags WHERE conversation_id BETWEEN 100 AND 103 ORDER BY 1, 2"},
    {"attachments", "SELECT * FROM attachments WHERE id IN (1, 2, 3, 4) ORDER BY id"},
    {"daily_stats", "SELECT * FROM daily_stats WHERE account_id = 1 ORDER BY day"},
    {"daily_stat_channels", "SELECT * FROM daily_stat_channels WHERE account_id = 1 ORDER BY 2, 3"},
    {"events", "SELECT * FROM events WHERE account_id = 1 ORDER BY id"},
};

// Every row of every table: what "untouched" is checked against.
std::map<std::string, text_rows> everything(const test_database& db) {
    std::map<std::string, text_rows> out;
    for (const auto& [table, query] : account_one_rows) {
        out[table] = query_text(db, "SELECT * FROM " + table + " ORDER BY 1, 2");
    }
    out["countries"] = query_text(db, "SELECT * FROM countries ORDER BY 1");
    return out;
}

using testing::init_gangway_tables;
using testing::place;

std::string placement_of(const test_database& db, std::uint64_t account) {
    const auto rows = query_text(db, "SELECT CONCAT(state, ' ', site) FROM gangway_placement "
                                     "WHERE account_id = " + std::to_string(account));
    return rows.empty() ? "none" : rows[0][0];
}

class MigrateTest : public ::testing::Test {
protected:
    MigrateTest() : work_(legacy_, destination_toml()) {
        testing::create_example_app(legacy_);
        testing::create_example_app(new_);
        testing::seed_example_accounts(legacy_);
        new_.execute("INSERT INTO countries VALUES ('DE', 'Germany (new)')");
        // An account that already lives at new, with ids of its own.
        new_.execute("INSERT INTO accounts (id, name, country_code, created_at) VALUES "
                     "(50, 'Native', 'DE', '2023-01-01')");
        new_.execute("INSERT INTO users (id, account_id, email, name, password) VALUES "
                     "(500, 50, 'nat@native.test', 'Nat', 'h')");
        init_gangway_tables(legacy_);
        init_gangway_tables(new_);
        for (std::uint64_t id : {1, 2, 3}) place(legacy_, id, "legacy");
        place(new_, 50, "new");
        work_.write("new.password", new_.config().password);
    }

    std::string destination_toml() const {
        return testing::destination_toml(new_) +
               "[login]\nusers_table = \"users\"\nemail_column = \"email\"\n\n"
               "[placement]\nfence_timeout_ms = 2000\n";
    }

    outcome migrate(const std::string& args, const std::string& env = "") {
        return testing::run_shell(env + " timeout 120 '" + std::string(std::getenv("GANGWAY_BINARY")) +
                                  "' migrate --config " + work_.config() + " --schema " +
                                  testing::example_model_path() + " --to new " + args + " 2>&1");
    }

    // Account 1's rows are on new exactly as on legacy, and nothing else of legacy's is.
    void expect_account_one_on_new() {
        for (const auto& [table, query] : account_one_rows) {
            EXPECT_EQ(query_text(new_, query), query_text(legacy_, query)) << table;
        }
        EXPECT_EQ(query_value(new_, "SELECT COUNT(*) FROM accounts"), "2");  // 1 and 50
        EXPECT_EQ(query_value(new_, "SELECT message_count FROM accounts WHERE id = 1"), "30");
        EXPECT_EQ(query_value(new_, "SELECT COUNT(*) FROM users"), "4");     // 10, 11, 12, 500
        EXPECT_EQ(query_value(new_, "SELECT COUNT(*) FROM messages"), "30");
        EXPECT_EQ(query_value(new_, "SELECT COUNT(*) FROM attachments"), "4");
        EXPECT_EQ(query_value(new_, "SELECT COUNT(*) FROM events"), "26");
        EXPECT_EQ(query_value(new_, "SELECT COUNT(*) FROM django_session"), "0");  // excluded
        // Shared: copied when missing (FR is account 2's), never overwritten.
        EXPECT_EQ(query_text(new_, "SELECT * FROM countries ORDER BY 1"),
                  (text_rows{{"DE", "Germany (new)"}}));
        EXPECT_EQ(placement_of(legacy_, 1), "moved new");
        EXPECT_EQ(placement_of(new_, 1), "active new");
    }

    // The destination as the fixture made it, the account active at legacy.
    void expect_nothing_moved() {
        for (const auto& table : {"messages", "conversations", "tags", "events", "attachments"}) {
            EXPECT_EQ(query_value(new_, std::string("SELECT COUNT(*) FROM ") + table), "0") << table;
        }
        EXPECT_EQ(query_value(new_, "SELECT COUNT(*) FROM users"), "1");
        EXPECT_EQ(placement_of(legacy_, 1), "active legacy");
        EXPECT_NE(placement_of(new_, 1), "active new");
    }

    test_database legacy_{"site_a"};
    test_database new_{"site_b"};
    testing::work_dir work_;
};

TEST_F(MigrateTest, MovesExactlyTheAccountsRowsAndFlipsBothSides) {
    const auto legacy_before = everything(legacy_);
    const outcome r = migrate("--jobs 3 1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("moved from legacy to new"), std::string::npos) << r.output;
    expect_account_one_on_new();
    EXPECT_EQ(everything(legacy_), legacy_before);  // the source keeps its rows, unchanged
    EXPECT_EQ(placement_of(legacy_, 2), "active legacy");
    EXPECT_EQ(query_value(new_, "SELECT name FROM accounts WHERE id = 50"), "Native");
    // Audited on both sides; the journal says flipped, with the report.
    EXPECT_EQ(query_value(legacy_, "SELECT GROUP_CONCAT(to_state ORDER BY id) FROM "
                                   "gangway_placement_audit WHERE account_id = 1"),
              "active,locked,moved");
    EXPECT_EQ(query_value(new_, "SELECT COUNT(*) FROM gangway_placement_audit WHERE account_id = 1 "
                                "AND to_state = 'active' AND to_site = 'new'"),
              "1");
    EXPECT_EQ(query_value(legacy_, "SELECT phase FROM gangway_moves WHERE account_id = 1"), "flipped");
    EXPECT_NE(query_value(legacy_, "SELECT report FROM gangway_moves WHERE account_id = 1")
                  .find("\"messages\":{\"bytes\""),
              std::string::npos);
    // JSON lines (not a terminal): phases, rows, the report with checksums and the lock window.
    EXPECT_NE(r.output.find("\"event\":\"phase\",\"phase\":\"verify\""), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(",\"event\":\"rows\",\"expected_rows\":30,\"rows\":30,"),
              std::string::npos) << r.output;
    EXPECT_NE(r.output.find("\"lock_window_seconds\""), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("\"retried_statements\":0"), std::string::npos) << r.output;

    const outcome again = migrate("1");
    EXPECT_EQ(again.exit_code, 0) << again.output;
    EXPECT_NE(again.output.find("already moved to new"), std::string::npos) << again.output;
    expect_account_one_on_new();
}

// Ops may lock first (`gangway accounts lock`), to hold the account still while its users are
// told; the move then takes over that lock instead of refusing.
TEST_F(MigrateTest, AnAccountLockedByAnOperatorIsMovedUnderThatLock) {
    const outcome locked = testing::run_gangway("accounts lock --config " + work_.config() + " 1");
    ASSERT_EQ(locked.exit_code, 0) << locked.output;
    const outcome r = migrate("1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("already locked by cli:"), std::string::npos) << r.output;
    expect_account_one_on_new();
    EXPECT_EQ(query_value(legacy_, "SELECT GROUP_CONCAT(to_state ORDER BY id) FROM "
                                   "gangway_placement_audit WHERE account_id = 1"),
              "active,locked,moved");
}

// An account that moved to new and back to legacy left its rows at new; moving it to new again
// refuses that old copy unless told to replace it.
TEST_F(MigrateTest, AStaleCopyAtTheDestinationIsReplacedOnlyWhenAsked) {
    ASSERT_EQ(migrate("1").exit_code, 0);
    // The way back, as a move from new would leave it: new says moved to legacy, legacy active.
    const auto set = [](const test_database& db, placement_state state, const std::string& site) {
        database_config cfg = db.config();
        cfg.pool_size = 1;
        db_pool pool(cfg);
        const auto now = pool.run_blocking([](sql::Connection& c) { return get_placement(c, 1); });
        placement_change ch{1, (*now.value)->version, state, site, "test", "moved back"};
        ASSERT_TRUE(pool.run_blocking([&](sql::Connection& c) { return set_placement(c, ch); }));
    };
    set(new_, placement_state::moved, "legacy");
    set(legacy_, placement_state::active, "legacy");
    legacy_.execute("UPDATE conversations SET subject = 'after the way back' WHERE id = 100");
    legacy_.execute("DELETE FROM events WHERE account_id = 1 ORDER BY id DESC LIMIT 1");

    const outcome refused = migrate("1");
    EXPECT_EQ(refused.exit_code, 1) << refused.output;
    EXPECT_NE(refused.output.find("new still holds the account's rows from before it moved away "
                                  "(80 rows in 11 tables"),
              std::string::npos) << refused.output;
    EXPECT_NE(refused.output.find("--replace-stale"), std::string::npos) << refused.output;
    EXPECT_EQ(placement_of(legacy_, 1), "active legacy");

    const outcome replaced = migrate("--replace-stale 1");
    ASSERT_EQ(replaced.exit_code, 0) << replaced.output;
    EXPECT_EQ(query_value(new_, "SELECT subject FROM conversations WHERE id = 100"), "after the way back");
    EXPECT_EQ(query_value(new_, "SELECT COUNT(*) FROM events"), "25");
    for (const auto& [table, query] : account_one_rows) {
        EXPECT_EQ(query_text(new_, query), query_text(legacy_, query)) << table;
    }
    EXPECT_EQ(query_value(new_, "SELECT COUNT(*) FROM users"), "4");
    EXPECT_EQ(placement_of(new_, 1), "active new");
}

TEST_F(MigrateTest, PrimaryKeyCollisionIsRefusedBeforeAnyLock) {
    new_.execute("INSERT INTO conversations (id, account_id, subject) VALUES (101, 50, 'mine')");
    const outcome r = migrate("1");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("conversations: 1 already there, e.g. (101)"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("Nothing was locked or copied"), std::string::npos) << r.output;
    EXPECT_EQ(query_value(legacy_, "SELECT COUNT(*) FROM gangway_placement_audit WHERE account_id = 1"), "1");
    EXPECT_EQ(query_value(legacy_, "SELECT COUNT(*) FROM gangway_moves"), "0");
    EXPECT_EQ(query_value(new_, "SELECT COUNT(*) FROM messages"), "0");
    EXPECT_EQ(placement_of(legacy_, 1), "active legacy");
}

// The destination holds many rows between the account's least and greatest message id, so
// pre-flight looks the keys up instead of reading the range; the collision is found either way.
TEST_F(MigrateTest, ACollisionAmongManyOtherRowsInTheKeyRangeIsFound) {
    legacy_.execute("INSERT INTO messages (id, conversation_id, author_id, body, created_at) VALUES "
                    "(900000, 100, NULL, 'far away', '2024-01-01 00:00:00')");
    new_.execute("INSERT INTO conversations (id, account_id, subject) VALUES (7000, 50, 'theirs')");
    std::string rows = "INSERT INTO messages (id, conversation_id, author_id, body, created_at) VALUES "
                       "(1005, 7000, NULL, 'same id', '2024-01-01 00:00:00')";
    for (int i = 0; i < 200; ++i) {
        rows += ", (" + std::to_string(5000 + i) + ", 7000, NULL, 'x', '2024-01-01 00:00:00')";
    }
    new_.execute(rows);
    const outcome r = migrate("1");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("messages: 1 already there, e.g. (1005)"), std::string::npos) << r.output;
    EXPECT_EQ(placement_of(legacy_, 1), "active legacy");
}

// Verify first sums every destination row in each key range of the messages; a row of the
// account that lives at new inside that range makes those sums differ from the source's, and
// the account's own rows, summed apart, still prove the copy. The other row stays as it was.
TEST_F(MigrateTest, AnotherAccountsRowInsideTheKeyRangeStillVerifies) {
    legacy_.execute("INSERT INTO messages (id, conversation_id, author_id, body, created_at) VALUES "
                    "(1040, 100, NULL, 'after a gap', '2024-01-01 00:00:00')");
    new_.execute("INSERT INTO conversations (id, account_id, subject) VALUES (7000, 50, 'theirs')");
    new_.execute("INSERT INTO messages (id, conversation_id, author_id, body, created_at) VALUES "
                 "(1035, 7000, NULL, 'in the gap', '2024-01-01 00:00:00')");
    const outcome r = migrate("--jobs 2 1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    // By sums, not by walking every row again.
    EXPECT_NE(r.output.find("\"verify_method\":\"checksums\""), std::string::npos) << r.output;
    const std::string own = "SELECT * FROM messages WHERE conversation_id BETWEEN 100 AND 103 ORDER BY id";
    EXPECT_EQ(query_text(new_, own), query_text(legacy_, own));
    EXPECT_EQ(query_value(new_, "SELECT COUNT(*) FROM messages"), "32");  // 31 moved, 1 theirs
    EXPECT_EQ(query_value(new_, "SELECT CONCAT(conversation_id, ' ', body) FROM messages WHERE id = 1035"),
              "7000 in the gap");
    EXPECT_EQ(placement_of(new_, 1), "active new");
}

// A key of two columns: counted by the range of its first, then matched as a whole, so the
// row that only shares the first column is not counted.
TEST_F(MigrateTest, ACollisionOfATwoColumnKeyIsRefusedBeforeAnyLock) {
    const auto mine = query_text(legacy_, "SELECT conversation_id, tag_id FROM conversation_tags WHERE "
                                          "conversation_id IN (SELECT id FROM conversations WHERE account_id = 1) "
                                          "ORDER BY 1, 2 LIMIT 1");
    ASSERT_EQ(mine.size(), 1u);
    new_.execute("SET STATEMENT foreign_key_checks = 0 FOR INSERT INTO conversation_tags (conversation_id, tag_id) "
                 "VALUES (" + mine[0][0] + ", " + mine[0][1] + "), (" + mine[0][0] + ", 999999)");
    const outcome r = migrate("1");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("conversation_tags: 1 already there, e.g. (" + mine[0][0] + ", " + mine[0][1] + ")"),
              std::string::npos)
        << r.output;
    EXPECT_EQ(placement_of(legacy_, 1), "active legacy");
}

TEST_F(MigrateTest, EmailCollisionIsRefusedBeforeAnyLock) {
    new_.execute("INSERT INTO users (id, account_id, email, name, password) VALUES "
                 "(501, 50, 'bob@acme.test', 'Other Bob', 'h')");
    const outcome r = migrate("1");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("users.email (a user's email): 1 already there, e.g. bob@acme.test"),
              std::string::npos) << r.output;
    EXPECT_EQ(query_value(legacy_, "SELECT COUNT(*) FROM gangway_placement_audit WHERE account_id = 1"), "1");
    EXPECT_EQ(query_value(new_, "SELECT COUNT(*) FROM users"), "2");
}

TEST_F(MigrateTest, AccountThatIsNotActiveHereIsRefused) {
    const outcome missing = migrate("7");
    EXPECT_EQ(missing.exit_code, 1) << missing.output;
    EXPECT_NE(missing.output.find("account 7: no placement at legacy"), std::string::npos) << missing.output;
    ASSERT_EQ(migrate("1").exit_code, 0);
    const outcome back = migrate("--resume 2");  // nothing in progress: a plain move
    EXPECT_EQ(back.exit_code, 0) << back.output;
    EXPECT_EQ(placement_of(legacy_, 2), "moved new");
}

TEST_F(MigrateTest, BadUsageExits2) {
    EXPECT_EQ(migrate("--resume --abort 1").exit_code, 2);
    EXPECT_EQ(migrate("x1").exit_code, 2);
    EXPECT_EQ(migrate("0").exit_code, 2);
    const outcome self = testing::run_gangway("migrate --config " + work_.config() + " --schema " +
                                              testing::example_model_path() + " --to legacy 1");
    EXPECT_EQ(self.exit_code, 2) << self.output;
    const outcome unknown = testing::run_gangway("migrate --config " + work_.config() + " --schema " +
                                                 testing::example_model_path() + " --to mars 1");
    EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
    EXPECT_NE(unknown.output.find("[sites.mars.database]"), std::string::npos) << unknown.output;
}

TEST_F(MigrateTest, DifferentDestinationSchemaIsRefused) {
    new_.execute("ALTER TABLE messages MODIFY body TEXT NOT NULL");
    const outcome r = migrate("1");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("messages.body: mediumtext on the source, text on the destination"),
              std::string::npos) << r.output;
    expect_nothing_moved();
}

// SIGKILL at each step (the test hook GANGWAY_MOVER_CRASH_AT, fault_points.hpp), then --resume: exactly the right rows, flipped.
class MigrateKilledTest : public MigrateTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(MigrateKilledTest, ResumeFinishesTheMove) {
    const outcome killed = migrate("1", std::string("GANGWAY_MOVER_CRASH_AT=") + GetParam());
    ASSERT_EQ(killed.exit_code, 128 + 9) << killed.output;
    EXPECT_NE(placement_of(legacy_, 1), "moved new");
    const outcome fresh = migrate("1");  // a second plain run does not trample the first
    if (std::string(GetParam()) != "checked") {
        EXPECT_EQ(fresh.exit_code, 1) << fresh.output;
        EXPECT_NE(fresh.output.find("--resume"), std::string::npos) << fresh.output;
    }
    const outcome resumed = migrate("--resume 1");
    ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
    expect_account_one_on_new();
}

// SIGKILL at each step before the flip, then --abort: the destination as before, the account
// active here (after the flip began: AbortAfterTheDestinationFlippedPutsItBack).
class MigrateAbortedTest : public MigrateKilledTest {};

TEST_P(MigrateAbortedTest, AbortRestoresTheSource) {
    const auto legacy_before = everything(legacy_);
    ASSERT_EQ(migrate("1", std::string("GANGWAY_MOVER_CRASH_AT=") + GetParam()).exit_code, 128 + 9);
    const outcome aborted = migrate("--abort 1");
    ASSERT_EQ(aborted.exit_code, 0) << aborted.output;
    EXPECT_NE(aborted.output.find("aborted"), std::string::npos) << aborted.output;
    expect_nothing_moved();
    EXPECT_EQ(everything(legacy_), legacy_before);
    EXPECT_EQ(query_value(new_, "SELECT name FROM accounts WHERE id = 50"), "Native");
    // And the account can be moved again afterwards.
    const outcome moved = migrate("1");
    ASSERT_EQ(moved.exit_code, 0) << moved.output;
    expect_account_one_on_new();
}

INSTANTIATE_TEST_SUITE_P(EachStep, MigrateKilledTest,
                         ::testing::Values("checked", "locked", "copying", "copied", "verified",
                                           "flipping"));
INSTANTIATE_TEST_SUITE_P(EachStepBeforeTheFlip, MigrateAbortedTest,
                         ::testing::Values("checked", "locked", "copying", "copied", "verified"));

TEST_F(MigrateTest, AbortAfterTheDestinationFlippedPutsItBack) {
    ASSERT_EQ(migrate("1", "GANGWAY_MOVER_CRASH_AT=flipping").exit_code, 128 + 9);
    EXPECT_EQ(placement_of(new_, 1), "active new");
    const outcome aborted = migrate("--abort 1");
    ASSERT_EQ(aborted.exit_code, 0) << aborted.output;
    // end_sql ran before the flip and changed accounts.message_count: that row is not the
    // source's any more, so it stays, and the message says so.
    EXPECT_NE(aborted.output.find("Kept at new, because they differ from the source (end_sql or "
                                  "another writer changed them): accounts (1)"),
              std::string::npos) << aborted.output;
    EXPECT_EQ(placement_of(new_, 1), "moved legacy");
    EXPECT_EQ(placement_of(legacy_, 1), "active legacy");
    EXPECT_EQ(query_value(new_, "SELECT COUNT(*) FROM messages"), "0");
}

TEST_F(MigrateTest, AbortKeepsRowsSomeoneElseWroteUnderTheSameKey) {
    ASSERT_EQ(migrate("1", "GANGWAY_MOVER_CRASH_AT=copied").exit_code, 128 + 9);
    new_.execute("UPDATE events SET kind = 'changed at new' WHERE account_id = 1 ORDER BY id LIMIT 1");
    ASSERT_EQ(migrate("--abort 1").exit_code, 0);
    EXPECT_EQ(query_value(new_, "SELECT COUNT(*) FROM events"), "1");
    EXPECT_EQ(query_value(new_, "SELECT kind FROM events"), "changed at new");
}

TEST_F(MigrateTest, VerifyCatchesADestinationThatDiffers) {
    ASSERT_EQ(migrate("1", "GANGWAY_MOVER_CRASH_AT=copied").exit_code, 128 + 9);
    new_.execute("UPDATE messages SET body = 'tampered' WHERE id = 1007");
    const outcome r = migrate("--resume 1");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("messages: 30 rows at legacy, 30 at new; 0 missing, 0 extra, 1 different "
                            "(e.g. messages (1007))"),
              std::string::npos) << r.output;
    EXPECT_NE(r.output.find("The account is locked at legacy"), std::string::npos) << r.output;
    EXPECT_EQ(placement_of(legacy_, 1), "locked legacy");
}

// The destination server kills the copy's connection right after an INSERT committed: the
// statement is retried on a fresh connection (as INSERT IGNORE) and verify proves the rows.
TEST_F(MigrateTest, AConnectionDroppedMidCopyIsRetried) {
    const outcome r = migrate("--jobs 2 1", "GANGWAY_MOVER_DROP_CONNECTION=once");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("\"retried_statements\":1"), std::string::npos) << r.output;
    expect_account_one_on_new();
}

// The source server kills a read's connection after its first page went to the writers: the
// read runs again on a fresh connection, the writers ignoring rows already there, and verify
// proves the result.
TEST_F(MigrateTest, ASourceConnectionDroppedMidCopyIsReadAgain) {
    // About 24 MB of messages: more than one 4 MiB page, and more than the sockets hold, so
    // that the killed connection still had rows to send.
    legacy_.execute("INSERT INTO messages (id, conversation_id, author_id, body, created_at) "
                    "SELECT 100000 + seq, 100 + seq % 4, NULL, REPEAT(CONCAT('row ', seq, ' '), 100), "
                    "'2024-01-01 00:00:00' FROM seq_1_to_20000");
    const outcome r = migrate("--jobs 2 1", "GANGWAY_MOVER_DROP_SOURCE=once");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("\"reads_run_again\":1"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("\"verify_method\":\"checksums\""), std::string::npos) << r.output;
    const std::string own = "SELECT id, conversation_id, body FROM messages WHERE conversation_id "
                            "BETWEEN 100 AND 103 ORDER BY id";
    EXPECT_EQ(query_value(new_, "SELECT COUNT(*) FROM messages"), "20030");
    EXPECT_EQ(query_text(new_, own), query_text(legacy_, own));
    EXPECT_EQ(placement_of(new_, 1), "active new");
}

// Every connection dropped: the copy ends with a clear error, the account stays locked with
// its rows verifiable, and --resume finishes the move.
TEST_F(MigrateTest, AConnectionThatKeepsDroppingFailsCleanlyAndResumes) {
    const outcome r = migrate("1", "GANGWAY_MOVER_DROP_CONNECTION=always");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("on the destination failed"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("The account is locked at legacy"), std::string::npos) << r.output;
    EXPECT_EQ(placement_of(legacy_, 1), "locked legacy");
    EXPECT_EQ(query_value(legacy_, "SELECT phase FROM gangway_moves"), "locked");
    const outcome resumed = migrate("--resume 1");
    ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
    expect_account_one_on_new();
}

// Without a lock the app goes on writing: a message added after the rehearsal counted the
// account's rows is copied too, and the check compares the scratch copy with what was copied.
TEST_F(MigrateTest, RehearsalWhileTheAppWritesChecksWhatItCopied) {
    const outcome r = migrate("--rehearsal 1",
                              "GANGWAY_CLEANSE_KEY=0123456789abcdef0123456789abcdef "
                              "GANGWAY_MOVER_REHEARSAL_WRITE=\"INSERT INTO messages (id, conversation_id, body, "
                              "created_at) VALUES (1500, 101, 'new', '2024-06-01 00:00:00')\"");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string scratch = new_.config().name + "_rehearsal";
    EXPECT_EQ(query_value(new_, "SELECT COUNT(*) FROM `" + scratch + "`.messages"), "31");
    EXPECT_NE(r.output.find("\"messages\":{\"bytes\""), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("\"rows\":31,"), std::string::npos) << r.output;
    new_.execute("DROP DATABASE `" + scratch + "`");
}

TEST_F(MigrateTest, RehearsalCopiesCleansedRowsAndFlipsNothing) {
    const outcome r = migrate("--rehearsal 1", "GANGWAY_CLEANSE_KEY=0123456789abcdef0123456789abcdef");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("\"predicted_lock_window_seconds\""), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("\"write_seconds\""), std::string::npos) << r.output;
    const std::string scratch = new_.config().name + "_rehearsal";
    EXPECT_EQ(query_value(new_, "SELECT COUNT(*) FROM `" + scratch + "`.messages"), "30");
    EXPECT_EQ(query_value(new_, "SELECT COUNT(*) FROM `" + scratch + "`.users WHERE email LIKE "
                                "'u%@example.invalid'"),
              "3");
    EXPECT_EQ(placement_of(legacy_, 1), "active legacy");
    EXPECT_EQ(query_value(legacy_, "SELECT COUNT(*) FROM gangway_moves"), "0");
    expect_nothing_moved();
    new_.execute("DROP DATABASE `" + scratch + "`");
}

}  // namespace
}  // namespace gangway::mover
