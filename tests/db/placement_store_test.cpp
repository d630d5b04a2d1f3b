// Placement, audit, heartbeats and revocations on a real MariaDB (fixture `mariadb`).
#include <atomic>
#include <chrono>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <cppconn/connection.h>

#include <gtest/gtest.h>

#include "common/db/db_pool.hpp"
#include "common/db/placement_store.hpp"
#include "common/db/schema_migrations.hpp"
#include "tests/support/test_database.hpp"

namespace gangway {
namespace {

using namespace std::chrono_literals;

// A fresh database with gangway's tables and a pool on it.
class PlacementStore : public ::testing::Test {
protected:
    PlacementStore() : pool_(db_.config()) {
        auto r = pool_.run_blocking([](sql::Connection& c) { return upgrade_schema(c); });
        if (!r) throw std::runtime_error("db init: " + r.message);
    }

    template <class Fn>
    auto must(Fn fn) {
        auto r = pool_.run_blocking(std::move(fn));
        if (!r) throw std::runtime_error(r.message);
        return std::move(*r.value);
    }

    set_outcome set(std::uint64_t account, std::optional<std::uint64_t> expected,
                    placement_state state, const std::string& site) {
        placement_change ch{account, expected, state, site, "test", "because"};
        return must([&](sql::Connection& c) { return set_placement(c, ch); });
    }
    placement_row place(std::uint64_t account, const std::string& site = "legacy",
                        placement_state state = placement_state::active) {
        auto o = set(account, std::nullopt, state, site);
        if (o.kind != set_outcome::applied || !o.row) throw std::runtime_error("insert refused");
        return *o.row;
    }

    testing::test_database db_;
    db_pool pool_;
};

TEST(PlacementStateNames, RoundTrip) {
    for (auto s : {placement_state::active, placement_state::locked, placement_state::moved})
        EXPECT_EQ(placement_state_from_string(to_string(s)), s);
    EXPECT_FALSE(placement_state_from_string("ACTIVE"));
    EXPECT_FALSE(placement_state_from_string(""));
}

TEST_F(PlacementStore, InsertThenCompareAndSet) {
    EXPECT_FALSE(must([](sql::Connection& c) { return get_placement(c, 7); }));
    const placement_row first = place(7);
    EXPECT_EQ(first.account_id, 7u);
    EXPECT_EQ(first.state, placement_state::active);
    EXPECT_EQ(first.site, "legacy");
    EXPECT_EQ(first.version, 1u);
    EXPECT_EQ(first.updated_by, "test");
    EXPECT_EQ(first.reason, "because");
    EXPECT_EQ(first.updated_at.size(), 26u) << first.updated_at;  // YYYY-MM-DD HH:MM:SS.ffffff

    auto locked = set(7, first.version, placement_state::locked, "legacy");
    ASSERT_EQ(locked.kind, set_outcome::applied);
    EXPECT_EQ(locked.row->state, placement_state::locked);
    EXPECT_GT(locked.row->version, first.version);

    auto moved = set(7, locked.row->version, placement_state::moved, "aws");
    ASSERT_EQ(moved.kind, set_outcome::applied);
    auto read = must([](sql::Connection& c) { return get_placement(c, 7); });
    ASSERT_TRUE(read);
    EXPECT_EQ(read->state, placement_state::moved);
    EXPECT_EQ(read->site, "aws");
    EXPECT_EQ(read->version, moved.row->version);
    EXPECT_EQ(must([](sql::Connection& c) { return current_placement_version(c); }),
              moved.row->version);
}

TEST_F(PlacementStore, RefusedChangesLeaveEverythingAsItWas) {
    const placement_row row = place(8);
    const auto version_before = must([](sql::Connection& c) { return current_placement_version(c); });

    auto stale = set(8, row.version + 100, placement_state::locked, "legacy");
    EXPECT_EQ(stale.kind, set_outcome::version_conflict);
    ASSERT_TRUE(stale.row);
    EXPECT_EQ(stale.row->version, row.version) << "a conflict reports the current row";
    EXPECT_EQ(stale.row->state, placement_state::active);

    auto missing = set(9, 1, placement_state::locked, "legacy");
    EXPECT_EQ(missing.kind, set_outcome::not_found);
    EXPECT_FALSE(missing.row);

    auto twice = set(8, std::nullopt, placement_state::active, "aws");
    EXPECT_EQ(twice.kind, set_outcome::already_exists);
    ASSERT_TRUE(twice.row);
    EXPECT_EQ(twice.row->site, "legacy");

    EXPECT_EQ(must([](sql::Connection& c) { return current_placement_version(c); }), version_before)
        << "a refused change must not consume a version";
    EXPECT_EQ(must([](sql::Connection& c) { return list_audit(c, std::nullopt, 0, 100); }).size(), 1u)
        << "a refused change must not write an audit row";
}

TEST_F(PlacementStore, EveryChangeWritesOneAuditRowWithFromAndTo) {
    const placement_row a = place(21);
    place(22, "aws");
    auto locked = set(21, a.version, placement_state::locked, "legacy");
    ASSERT_EQ(locked.kind, set_outcome::applied);
    ASSERT_EQ(set(21, locked.row->version, placement_state::moved, "aws").kind, set_outcome::applied);

    const auto all = must([](sql::Connection& c) { return list_audit(c, std::nullopt, 0, 100); });
    ASSERT_EQ(all.size(), 4u);
    const auto mine = must([](sql::Connection& c) { return list_audit(c, 21, 0, 100); });
    ASSERT_EQ(mine.size(), 3u);
    EXPECT_EQ(mine[0].from_state, "");
    EXPECT_EQ(mine[0].from_site, "");
    EXPECT_EQ(mine[0].to_state, "active");
    EXPECT_EQ(mine[0].to_site, "legacy");
    EXPECT_EQ(mine[1].from_state, "active");
    EXPECT_EQ(mine[1].to_state, "locked");
    EXPECT_EQ(mine[2].from_state, "locked");
    EXPECT_EQ(mine[2].from_site, "legacy");
    EXPECT_EQ(mine[2].to_state, "moved");
    EXPECT_EQ(mine[2].to_site, "aws");
    EXPECT_EQ(mine[2].changed_by, "test");
    EXPECT_EQ(mine[2].reason, "because");
    for (std::size_t i = 1; i < mine.size(); ++i) {
        EXPECT_GT(mine[i].id, mine[i - 1].id);
        EXPECT_GT(mine[i].version, mine[i - 1].version);
    }
    // Keyset paging over the audit log.
    const auto page = must([&](sql::Connection& c) { return list_audit(c, std::nullopt, all[1].id, 2); });
    ASSERT_EQ(page.size(), 2u);
    EXPECT_EQ(page[0].id, all[2].id);
}

TEST_F(PlacementStore, VersionsStrictlyIncreaseAcrossAccounts) {
    std::uint64_t last = 0;
    for (std::uint64_t account = 100; account < 110; ++account) {
        const auto row = place(account, account % 2 ? "legacy" : "aws");
        EXPECT_GT(row.version, last);
        last = row.version;
    }
    const auto row = must([](sql::Connection& c) { return get_placement(c, 103); });
    auto changed = set(103, row->version, placement_state::locked, "legacy");
    EXPECT_GT(changed.row->version, last);
}

TEST_F(PlacementStore, ConcurrentWritersAllApplyWithDistinctVersions) {
    // Inserts of new accounts whose ids share index gaps, from several connections at once:
    // the writers queue on the sequence instead of deadlocking on gap locks.
    database_config cfg = db_.config();
    cfg.pool_size = 4;
    db_pool wide(cfg);
    std::atomic<int> refused{0};
    std::vector<std::thread> writers;
    for (int w = 0; w < 4; ++w) {
        writers.emplace_back([&, w] {
            for (std::uint64_t i = 0; i < 25; ++i) {
                placement_change ch{1000 + i * 4 + w, std::nullopt, placement_state::active, "legacy",
                                    "test", ""};
                auto r = wide.run_blocking([&](sql::Connection& c) { return set_placement(c, ch); });
                if (!r || r.value->kind != set_outcome::applied) ++refused;
            }
        });
    }
    for (auto& t : writers) t.join();
    EXPECT_EQ(refused.load(), 0);
    const auto changes = must([](sql::Connection& c) { return placement_changes_since(c, 0, 1000); });
    ASSERT_EQ(changes.size(), 100u);
    for (std::size_t i = 0; i < changes.size(); ++i) EXPECT_EQ(changes[i].version, i + 1);
}

TEST_F(PlacementStore, ChangesSinceComeInVersionOrderAndPage) {
    // Account ids deliberately out of version order.
    for (std::uint64_t account : {50, 10, 40, 20, 30}) place(account);
    const auto r20 = must([](sql::Connection& c) { return get_placement(c, 20); });
    ASSERT_EQ(set(20, r20->version, placement_state::locked, "legacy").kind, set_outcome::applied);

    std::vector<std::uint64_t> accounts, versions;
    std::uint64_t seen = 0;
    int pages = 0;
    for (;;) {
        auto page = must([seen](sql::Connection& c) { return placement_changes_since(c, seen, 2); });
        if (page.empty()) break;
        ++pages;
        EXPECT_LE(page.size(), 2u);
        for (const auto& row : page) {
            EXPECT_GT(row.version, seen);
            seen = row.version;
            accounts.push_back(row.account_id);
            versions.push_back(row.version);
        }
    }
    EXPECT_EQ(pages, 3);
    // Each account once, at its latest version: 20 moved to the end by its second change.
    EXPECT_EQ(accounts, (std::vector<std::uint64_t>{50, 10, 40, 30, 20}));
    EXPECT_EQ(seen, must([](sql::Connection& c) { return current_placement_version(c); }));
    EXPECT_TRUE(must([seen](sql::Connection& c) { return placement_changes_since(c, seen, 10); }).empty());
}

TEST_F(PlacementStore, ListBySiteAndStateWithKeysetPagination) {
    for (std::uint64_t a = 1; a <= 9; ++a) place(a, a <= 6 ? "legacy" : "aws");
    for (std::uint64_t a : {2, 4}) {
        const auto row = must([a](sql::Connection& c) { return get_placement(c, a); });
        ASSERT_EQ(set(a, row->version, placement_state::locked, "legacy").kind, set_outcome::applied);
    }

    auto ids = [](const std::vector<placement_row>& rows) {
        std::vector<std::uint64_t> out;
        for (const auto& r : rows) out.push_back(r.account_id);
        return out;
    };
    using opt_site = std::optional<std::string>;
    EXPECT_EQ(ids(must([](sql::Connection& c) { return list_placements(c, std::nullopt, std::nullopt, 0, 100); })),
              (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9}));
    EXPECT_EQ(ids(must([](sql::Connection& c) { return list_placements(c, opt_site("aws"), std::nullopt, 0, 100); })),
              (std::vector<std::uint64_t>{7, 8, 9}));
    EXPECT_EQ(ids(must([](sql::Connection& c) {
                  return list_placements(c, opt_site("legacy"), placement_state::active, 0, 100);
              })),
              (std::vector<std::uint64_t>{1, 3, 5, 6}));
    EXPECT_EQ(ids(must([](sql::Connection& c) {
                  return list_placements(c, std::nullopt, placement_state::locked, 0, 100);
              })),
              (std::vector<std::uint64_t>{2, 4}));

    // Pages of two over legacy's active accounts.
    std::vector<std::uint64_t> all;
    std::uint64_t after = 0;
    for (int guard = 0; guard < 10; ++guard) {
        auto page = must([after](sql::Connection& c) {
            return list_placements(c, std::string("legacy"), placement_state::active, after, 2);
        });
        if (page.empty()) break;
        for (const auto& r : page) all.push_back(r.account_id);
        after = page.back().account_id;
    }
    EXPECT_EQ(all, (std::vector<std::uint64_t>{1, 3, 5, 6}));
}

TEST_F(PlacementStore, HeartbeatsMakeInstancesLiveWithTheirInflightRequests) {
    must([](sql::Connection& c) {
        write_heartbeat(c, "gw-1", "legacy", 5, {{77, 2}, {78, 1}});
        write_heartbeat(c, "gw-2", "legacy", 6, {});
        write_heartbeat(c, "gw-other-site", "aws", 9, {{77, 4}});
        return true;
    });
    auto live = must([](sql::Connection& c) { return live_instances(c, "legacy", 60s, 77); });
    ASSERT_EQ(live.size(), 2u);
    EXPECT_EQ(live[0].instance_id, "gw-1");
    EXPECT_EQ(live[0].version_seen, 5u);
    EXPECT_EQ(live[0].inflight_for_account, 2);
    EXPECT_EQ(live[1].instance_id, "gw-2");
    EXPECT_EQ(live[1].inflight_for_account, 0);

    // The next heartbeat replaces the in-flight rows and the version seen.
    must([](sql::Connection& c) {
        write_heartbeat(c, "gw-1", "legacy", 8, {{78, 3}});
        return true;
    });
    live = must([](sql::Connection& c) { return live_instances(c, "legacy", 60s, 77); });
    ASSERT_EQ(live.size(), 2u);
    EXPECT_EQ(live[0].version_seen, 8u);
    EXPECT_EQ(live[0].inflight_for_account, 0);
    EXPECT_EQ(must([](sql::Connection& c) { return live_instances(c, "legacy", 60s, 78); })[0].inflight_for_account, 3);

    // An instance whose last heartbeat is older than the ttl (by the database's clock) is
    // not live.
    db_.execute("UPDATE gangway_instance SET heartbeat_at = UTC_TIMESTAMP(6) - INTERVAL 10 SECOND"
                " WHERE instance_id = 'gw-2'");
    live = must([](sql::Connection& c) { return live_instances(c, "legacy", 3s, 77); });
    ASSERT_EQ(live.size(), 1u);
    EXPECT_EQ(live[0].instance_id, "gw-1");
    EXPECT_EQ(must([](sql::Connection& c) { return live_instances(c, "legacy", 60s, 77); }).size(), 2u);

    // A clean shutdown removes the instance and its in-flight rows.
    must([](sql::Connection& c) {
        remove_instance(c, "gw-1");
        return true;
    });
    live = must([](sql::Connection& c) { return live_instances(c, "legacy", 60s, 78); });
    ASSERT_EQ(live.size(), 1u);
    EXPECT_EQ(live[0].instance_id, "gw-2");
    EXPECT_EQ(live[0].inflight_for_account, 0);
}

TEST_F(PlacementStore, RevokedSessionsArePolledInIdOrderAndPurgedAfterExpiry) {
    const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
    const std::string a(32, 'a'), b(32, 'b'), c32(32, 'c');
    must([&](sql::Connection& c) {
        revoke_session(c, a, now + 3600);
        revoke_session(c, b, now - 60);  // already expired: purged below
        revoke_session(c, a, now + 3600);  // twice is once
        revoke_session(c, c32, now + 3600);
        return true;
    });
    auto all = must([](sql::Connection& c) { return revoked_sessions_since(c, 0, 100); });
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].second, a);
    EXPECT_EQ(all[1].second, b);
    EXPECT_EQ(all[2].second, c32);
    auto after_first = must([&](sql::Connection& c) { return revoked_sessions_since(c, all[0].first, 1); });
    ASSERT_EQ(after_first.size(), 1u);
    EXPECT_EQ(after_first[0].second, b);

    EXPECT_EQ(must([](sql::Connection& c) { return purge_expired_revocations(c); }), 1u);
    auto left = must([](sql::Connection& c) { return revoked_sessions_since(c, 0, 100); });
    ASSERT_EQ(left.size(), 2u);
    EXPECT_EQ(left[0].second, a);
    EXPECT_EQ(left[1].second, c32);
}

}  // namespace
}  // namespace gangway
