// The row walker on the example app holding three accounts: it finds exactly one account's
// rows (compared with hand-written queries, table by table), pages by batch_rows, ends
// cycles, and refuses to walk into another account. The set selection (`gangway migrate`'s
// fast path) selects the very same rows, or says which cycle edge makes it walk instead.
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gateway/mover/key_ranges.hpp"
#include "gateway/mover/row_walker.hpp"
#include "gateway/mover/set_reader.hpp"
#include "tests/mover/dump_test_support.hpp"

namespace gangway::mover {
namespace {

using gangway::testing::test_database;
using strings = std::vector<std::string>;
using testing::example_model_path;
using testing::read_text;

// The example model with every batch tiny, so that every lookup and page boundary is crossed.
std::string small_batch_model() {
    std::string text = read_text(example_model_path());
    for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
             {"batch_rows = 1000", "batch_rows = 2"},
             {"lookup_batch = 500", "lookup_batch = 3"},
             {"batch_rows = 200 ", "batch_rows = 3 "},
             {"batch_rows = 5000", "batch_rows = 4"},
             {"lookup_batch = 100", "lookup_batch = 2"}}) {
        const auto at = text.find(from);
        if (at == std::string::npos) throw std::invalid_argument("not in the example: " + from);
        text.replace(at, from.size(), to);
    }
    return text;
}

// The small-batch model with two relationships followed both ways: two more cycles.
std::string both_ways_model() {
    std::string model = small_batch_model();
    const std::string from = "to = \"messages.conversation_id\"\n";
    model.replace(model.find(from), from.size(), from + "both_ways = true\n");
    const std::string tags = "to = \"tags.account_id\"\n";
    model.replace(model.find(tags), tags.size(), tags + "both_ways = true\n");
    return model;
}

struct walked {
    std::map<std::string, strings> keys;  // per table, the key of every row handed over, sorted
    std::map<std::string, std::size_t> largest_page;
    std::map<std::string, std::size_t> pages;
    std::string error;  // the walk_error, if any
};

// A model of the example app with its plan and the test database's layouts.
struct loaded_model {
    loaded_model(const test_database& db, const std::string& text)
        : model(parse_schema_model(text, example_model_path())) {
        if (!model.value) throw std::invalid_argument(model.errors[0].to_string());
        plan = plan_traversal(*model.value);
        layouts = build_layouts(*model.value, plan, testing::catalog_of(db));
        if (!layouts.errors.empty()) throw std::invalid_argument(layouts.errors[0]);
    }
    schema_result model;
    traversal_plan plan;
    layouts_result layouts;
};

walked walk(const test_database& db, const std::string& model_text, const strings& accounts) {
    const loaded_model m(db, model_text);
    const row_walker walker(*m.model.value, m.plan, m.layouts.tables);
    walked out;
    const row_sink sink = [&](const table_layout& t, std::vector<table_row>& rows) {
        out.largest_page[t.name] = std::max(out.largest_page[t.name], rows.size());
        ++out.pages[t.name];
        for (const auto& r : rows) {
            std::string key;
            for (std::size_t k : t.key) key += (key.empty() ? "" : ",") + r[k].value_or("NULL");
            out.keys[t.name].push_back(key);
        }
    };
    database_config cfg = db.config();
    cfg.pool_size = 1;
    db_pool pool(cfg);
    auto done = pool.run_blocking([&](sql::Connection& c) {
        try {
            walker.walk(c, accounts, sink);
        } catch (const walk_error& e) {
            out.error = e.what();
        }
        return true;
    });
    if (!done) throw std::runtime_error(done.message);
    for (auto& [table, keys] : out.keys) std::sort(keys.begin(), keys.end());
    return out;
}

struct selected {
    std::map<std::string, strings> keys;  // per table, sorted, as walked::keys
    std::optional<std::string> open_edge;
    std::string error;  // a walk_error from the closing checks
};

// The rows set_selection's queries select (read with stream_rows), unless a closing edge
// reaches further.
selected select_sets(const test_database& db, const std::string& model_text, const strings& accounts) {
    const loaded_model m(db, model_text);
    const auto& layouts = m.layouts;
    const set_selection sets(*m.model.value, m.plan, layouts.tables, accounts);
    EXPECT_TRUE(sets.usable());
    selected out;
    database_config cfg = db.config();
    cfg.pool_size = 1;
    db_pool pool(cfg);
    auto done = pool.run_blocking([&](sql::Connection& c) {
        prepare_reader_session(c);
        try {
            out.open_edge = open_edge(c, sets, m.model.value->root_table);
        } catch (const walk_error& e) {
            out.error = e.what();
        }
        for (const auto& table : sets.tables()) {
            const table_layout& t = layouts.tables.at(table);
            stream_rows(c, sets, t, [&](std::vector<table_row>& page) {
                for (const auto& r : page) {
                    std::string key;
                    for (std::size_t k : t.key) key += (key.empty() ? "" : ",") + r[k].value_or("NULL");
                    out.keys[t.name].push_back(key);
                }
            });
        }
        return true;
    });
    if (!done) throw std::runtime_error(done.message);
    for (auto& [table, keys] : out.keys) std::sort(keys.begin(), keys.end());
    return out;
}

// The rows of the accounts (an SQL list: "1, 2"), by hand: what the example model means.
std::map<std::string, strings> expected_keys(const test_database& db, const std::string& ids) {
    const std::string convs = "(SELECT id FROM conversations WHERE account_id IN (" + ids + "))";
    const std::string msgs = "(SELECT id FROM messages WHERE conversation_id IN " + convs + ")";
    const std::map<std::string, std::string> queries{
        {"accounts", "SELECT id FROM accounts WHERE id IN (" + ids + ")"},
        {"countries", "SELECT code FROM countries WHERE code IN (SELECT country_code FROM "
                      "accounts WHERE id IN (" + ids + "))"},
        {"users", "SELECT id FROM users WHERE account_id IN (" + ids + ")"},
        {"conversations", "SELECT id FROM conversations WHERE account_id IN (" + ids + ")"},
        {"messages", "SELECT id FROM messages WHERE conversation_id IN " + convs},
        {"tags", "SELECT id FROM tags WHERE account_id IN (" + ids + ")"},
        {"conversation_tags", "SELECT CONCAT_WS(',', conversation_id, tag_id) FROM "
                              "conversation_tags WHERE conversation_id IN " + convs},
        {"attachments", "SELECT id FROM attachments WHERE (owner_type = 'message' AND owner_id "
                        "IN " + msgs + ") OR (owner_type = 'conversation' AND owner_id IN " +
                            convs + ")"},
        {"daily_stats", "SELECT CONCAT_WS(',', account_id, day) FROM daily_stats WHERE "
                        "account_id IN (" + ids + ")"},
        {"daily_stat_channels", "SELECT CONCAT_WS(',', account_id, day, channel) FROM "
                                "daily_stat_channels WHERE (account_id, day) IN (SELECT "
                                "account_id, day FROM daily_stats WHERE account_id IN (" + ids + "))"},
        {"events", "SELECT id FROM events WHERE account_id IN (" + ids + ")"},
    };
    std::map<std::string, strings> out;
    for (const auto& [table, sql] : queries) {
        strings keys;
        for (const auto& row : testing::query_text(db, sql)) keys.push_back(row[0]);
        std::sort(keys.begin(), keys.end());
        if (!keys.empty()) out[table] = keys;
    }
    return out;
}

class RowWalk : public ::testing::Test {
protected:
    RowWalk() {
        testing::create_example_app(db_);
        testing::seed_example_accounts(db_);
    }
    test_database db_;
};

TEST_F(RowWalk, FindsExactlyEachAccountsRows) {
    for (const std::string account : {"1", "2", "3"}) {
        const walked w = walk(db_, small_batch_model(), {account});
        EXPECT_EQ(w.error, "");
        EXPECT_EQ(w.keys, expected_keys(db_, account)) << "account " << account;
    }
    // The polymorphic decoys went nowhere: attachment 6 is a conversation attachment whose
    // owner_id is a message id of account 1, attachment 7 the other way round.
    const walked w = walk(db_, small_batch_model(), {"1"});
    EXPECT_EQ(w.keys.at("attachments"), (strings{"1", "2", "3", "4"}));
    EXPECT_EQ(w.keys.at("conversation_tags"), (strings{"100,1", "100,2", "101,1"}));
    EXPECT_EQ(w.keys.at("tags"), (strings{"1", "2", "3"}));
    EXPECT_EQ(w.keys.at("messages").size(), 30u);
    EXPECT_EQ(w.keys.at("events").size(), 26u);
    EXPECT_EQ(w.keys.count("django_session"), 0u);
}

TEST_F(RowWalk, FindsSeveralAccountsAtOnce) {
    const walked w = walk(db_, read_text(example_model_path()), {"1", "3", "2"});
    EXPECT_EQ(w.error, "");
    EXPECT_EQ(w.keys, expected_keys(db_, "1, 2, 3"));
}

TEST_F(RowWalk, PagesAreBoundedByBatchRows) {
    const walked w = walk(db_, small_batch_model(), {"1"});
    EXPECT_EQ(w.largest_page.at("users"), 2u);
    EXPECT_EQ(w.largest_page.at("messages"), 3u);
    EXPECT_EQ(w.largest_page.at("events"), 4u);
    EXPECT_GE(w.pages.at("messages"), 10u);  // 30 rows in pages of 3
    EXPECT_GE(w.pages.at("events"), 7u);     // 26 rows in pages of 4
    for (const auto& [table, size] : w.largest_page) EXPECT_LE(size, 4u) << table;
}

TEST_F(RowWalk, CyclesBothWaysEndWithTheSameRows) {
    const walked w = walk(db_, both_ways_model(), {"1"});
    EXPECT_EQ(w.error, "");
    EXPECT_EQ(w.keys, expected_keys(db_, "1"));
}

TEST_F(RowWalk, RefusesAnEdgeIntoTheRootThatReachesAnotherAccount) {
    const std::string model = small_batch_model() +
                              "\n[[relationships]]\nfrom = \"users.id\"\nto = \"accounts.owner_id\"\n";
    // Back to the account itself: harmless.
    EXPECT_EQ(walk(db_, model, {"1"}).error, "");
    db_.execute("UPDATE accounts SET owner_id = 11 WHERE id = 2");  // a user of account 1
    EXPECT_EQ(walk(db_, model, {"1"}).error,
              "users.id -> accounts.owner_id: reaches accounts row id = 2, another account: "
              "following it would copy that account's rows too; a relationship into accounts "
              "must only lead back to the accounts being copied");
    EXPECT_EQ(walk(db_, model, {"1", "2"}).error, "");
}

TEST_F(RowWalk, AnAccountWithoutARowFailsBeforeAnyRowIsHandedOver) {
    const walked w = walk(db_, small_batch_model(), {"1", "999"});
    EXPECT_EQ(w.error, "account 999: no row in accounts with id = 999");
    EXPECT_TRUE(w.keys.empty());
}

TEST_F(RowWalk, SetsSelectExactlyTheRowsTheWalkerFinds) {
    for (const std::string account : {"1", "2", "3"}) {
        const selected s = select_sets(db_, small_batch_model(), {account});
        EXPECT_EQ(s.error, "");
        EXPECT_EQ(s.open_edge, std::nullopt) << "account " << account;
        EXPECT_EQ(s.keys, expected_keys(db_, account)) << "account " << account;
        EXPECT_EQ(s.keys, walk(db_, small_batch_model(), {account}).keys) << "account " << account;
    }
    const selected all = select_sets(db_, read_text(example_model_path()), {"1", "3", "2"});
    EXPECT_EQ(all.keys, expected_keys(db_, "1, 2, 3"));
}

// The keys of one table's set as key_parts read it: one list per part, in the order read.
std::vector<strings> read_in_parts(const test_database& db, const std::string& account, const std::string& table,
                                   const key_span& span) {
    const loaded_model m(db, small_batch_model());
    const set_selection sets(*m.model.value, m.plan, m.layouts.tables, {account});
    const table_layout& t = m.layouts.tables.at(table);
    std::vector<strings> out;
    database_config cfg = db.config();
    cfg.pool_size = 1;
    db_pool pool(cfg);
    auto done = pool.run_blocking([&](sql::Connection& c) {
        prepare_reader_session(c);
        for (const auto& part : key_parts(t, span, 3, 1)) {
            out.emplace_back();
            stream_rows(c, sets, t, [&](std::vector<table_row>& page) {
                for (const auto& r : page) out.back().push_back(*r[t.key[0]]);
            }, part);
        }
        return true;
    });
    if (!done) throw std::runtime_error(done.message);
    return out;
}

// The table's sums over the whole set, and added up over key_parts.
std::pair<table_sum, table_sum> sums_whole_and_in_parts(const test_database& db, const std::string& account,
                                                        const std::string& table, const key_span& span) {
    const loaded_model m(db, small_batch_model());
    const set_selection sets(*m.model.value, m.plan, m.layouts.tables, {account});
    const table_layout& t = m.layouts.tables.at(table);
    database_config cfg = db.config();
    cfg.pool_size = 1;
    db_pool pool(cfg);
    auto sums = pool.run_blocking([&](sql::Connection& c) {
        prepare_reader_session(c);
        const table_sum whole = sum_rows(c, sets, t, false);
        table_sum parts{0, "0:0", true};
        for (const auto& part : key_parts(t, span, 3, 1)) parts += sum_rows(c, sets, t, false, part);
        return std::make_pair(whole, parts);
    });
    if (!sums) throw std::runtime_error(sums.message);
    return *sums.value;
}

bool numerically_ascending(const strings& keys) {
    return std::is_sorted(keys.begin(), keys.end(),
                          [](const std::string& a, const std::string& b) { return std::stoll(a) < std::stoll(b); });
}

TEST_F(RowWalk, SetsReadInKeyPartsGiveEveryRowOnceInKeyOrder) {
    const auto all = expected_keys(db_, "1").at("messages");
    ASSERT_GE(all.size(), 10u);
    std::vector<long long> ids;
    for (const auto& k : all) ids.push_back(std::stoll(k));
    std::sort(ids.begin(), ids.end());
    // A span taken before rows were added on both sides of it (the outside part finds them),
    // and said to be dense whatever the rows between: the parts are the set all the same.
    const auto low = std::to_string(ids[2]), high = std::to_string(ids[ids.size() - 3]);
    db_.execute("INSERT INTO messages (conversation_id, author_id, body, created_at) SELECT conversation_id, "
                "author_id, 'later', created_at FROM messages WHERE id = " + low);
    const key_span span{low, high, static_cast<std::uint64_t>(ids[ids.size() - 3] - ids[2] + 1)};
    const auto parts = read_in_parts(db_, "1", "messages", span);
    ASSERT_EQ(parts.size(), 4u);  // three ranges and the rest
    strings read;
    for (const auto& part : parts) {
        EXPECT_TRUE(numerically_ascending(part));
        read.insert(read.end(), part.begin(), part.end());
    }
    EXPECT_EQ(parts.back().size(), 5u);  // two keys below the span, two above, the new row
    std::sort(read.begin(), read.end());
    EXPECT_EQ(read, expected_keys(db_, "1").at("messages"));
    EXPECT_EQ(std::adjacent_find(read.begin(), read.end()), read.end());
    const auto [whole, summed_in_parts] = sums_whole_and_in_parts(db_, "1", "messages", span);
    EXPECT_EQ(summed_in_parts, whole);
    EXPECT_EQ(whole.rows, read.size());
}

TEST_F(RowWalk, SetsOfCyclesBothWaysAreClosedAndTheSame) {
    const selected s = select_sets(db_, both_ways_model(), {"1"});
    EXPECT_EQ(s.open_edge, std::nullopt);
    EXPECT_EQ(s.keys, expected_keys(db_, "1"));
}

TEST_F(RowWalk, ACycleEdgeThatReachesFurtherIsNamedAndTheWalkerFindsThoseRows) {
    const std::string model = small_batch_model() +
                              "\n[[relationships]]\nfrom = \"conversation_tags.tag_id\"\n"
                              "to = \"conversation_tags.tag_id\"\n";
    EXPECT_EQ(select_sets(db_, model, {"1"}).open_edge, std::nullopt);
    // A conversation of account 2 tagged with a tag of account 1: only the edge from a table
    // to itself (rows sharing a tag), which closes a cycle, finds it.
    const auto other = testing::query_text(db_, "SELECT MIN(id) FROM conversations WHERE account_id = 2");
    db_.execute("INSERT INTO conversation_tags (conversation_id, tag_id) VALUES (" + other[0][0] + ", 1)");
    EXPECT_EQ(select_sets(db_, model, {"1"}).open_edge,
              "conversation_tags.tag_id -> conversation_tags.tag_id");
    const auto walked_tags = walk(db_, model, {"1"}).keys.at("conversation_tags");
    EXPECT_NE(std::find(walked_tags.begin(), walked_tags.end(), other[0][0] + ",1"), walked_tags.end());
}

TEST_F(RowWalk, SetsRefuseAnEdgeIntoTheRootThatReachesAnotherAccountAsTheWalkerDoes) {
    const std::string model = small_batch_model() +
                              "\n[[relationships]]\nfrom = \"users.id\"\nto = \"accounts.owner_id\"\n";
    EXPECT_EQ(select_sets(db_, model, {"1"}).error, "");
    db_.execute("UPDATE accounts SET owner_id = 11 WHERE id = 2");
    EXPECT_EQ(select_sets(db_, model, {"1"}).error, walk(db_, model, {"1"}).error);
    EXPECT_EQ(select_sets(db_, model, {"1", "2"}).error, "");
}

}  // namespace
}  // namespace gangway::mover
