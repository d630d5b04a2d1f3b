#include "gateway/placement/placement_cache.hpp"

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace gangway {
namespace {

TEST(PlacementCache, FindsWhatWasApplied) {
    placement_cache cache;
    EXPECT_FALSE(cache.find(42).has_value());
    cache.apply(42, placement_lookup::active, "legacy", 7);
    cache.apply(0, placement_lookup::moved, "aws", 8);  // account id 0 is a valid key
    auto a = cache.find(42);
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(a->state, placement_lookup::active);
    EXPECT_EQ(a->site, "legacy");
    EXPECT_EQ(a->version, 7u);
    auto zero = cache.find(0);
    ASSERT_TRUE(zero.has_value());
    EXPECT_EQ(zero->state, placement_lookup::moved);
    EXPECT_EQ(zero->site, "aws");
    EXPECT_EQ(cache.size(), 2u);
    EXPECT_FALSE(cache.find(43).has_value());
}

TEST(PlacementCache, NewerVersionsWinOlderOnesAreIgnored) {
    placement_cache cache;
    cache.apply(1, placement_lookup::active, "legacy", 10);
    cache.apply(1, placement_lookup::locked, "legacy", 11);
    EXPECT_EQ(cache.find(1)->state, placement_lookup::locked);
    cache.apply(1, placement_lookup::active, "legacy", 9);  // a stale page of changes
    EXPECT_EQ(cache.find(1)->state, placement_lookup::locked);
    EXPECT_EQ(cache.find(1)->version, 11u);
    cache.apply(1, placement_lookup::moved, "aws", 12);
    EXPECT_EQ(cache.find(1)->site, "aws");
    EXPECT_EQ(cache.size(), 1u);
}

TEST(PlacementCache, GrowsAndKeepsEveryAccount) {
    placement_cache cache(4);
    constexpr std::uint64_t n = 200'000;
    for (std::uint64_t id = 1; id <= n; ++id)
        cache.apply(id * 3, id % 2 ? placement_lookup::active : placement_lookup::moved,
                    id % 2 ? "legacy" : "aws", id);
    EXPECT_EQ(cache.size(), n);
    for (std::uint64_t id = 1; id <= n; ++id) {
        auto e = cache.find(id * 3);
        ASSERT_TRUE(e.has_value()) << id;
        ASSERT_EQ(e->version, id);
        ASSERT_EQ(e->site, id % 2 ? "legacy" : "aws");
    }
    EXPECT_FALSE(cache.find(1).has_value());
    // Live table at most 4x the accounts (load <= 1/2), retired ones as much again.
    EXPECT_LE(cache.bytes(), n * 16 * 4 * 2);
}

// Readers on other threads while the writer inserts (forcing growth) and flips states: every
// answer a reader gets is one the writer wrote, never a torn or foreign value.
TEST(PlacementCache, ReadersSeeConsistentEntriesWhileTheWriterWorks) {
    placement_cache cache(4);
    std::atomic<bool> done{false};
    std::atomic<std::uint64_t> bad{0};
    std::atomic<std::uint64_t> seen{0};
    std::vector<std::thread> readers;
    for (int r = 0; r < 3; ++r) {
        readers.emplace_back([&, r] {
            std::uint64_t id = static_cast<std::uint64_t>(r);
            while (!done.load()) {
                id = (id + 7919) % 50'000;
                if (auto e = cache.find(id)) {
                    ++seen;
                    // The writer encodes the state and site in the version's parity.
                    const bool odd = e->version % 2 == 1;
                    const bool ok = odd ? (e->state == placement_lookup::locked && e->site == "legacy")
                                        : (e->state == placement_lookup::active && e->site == "legacy") ||
                                              (e->state == placement_lookup::moved && e->site == "aws");
                    if (!ok) ++bad;
                }
            }
        });
    }
    std::uint64_t version = 2;
    for (int round = 0; round < 4; ++round) {
        for (std::uint64_t id = 0; id < 50'000; ++id, version += 2) {
            cache.apply(id, round % 2 ? placement_lookup::moved : placement_lookup::active,
                        round % 2 ? "aws" : "legacy", version);
            cache.apply(id, placement_lookup::locked, "legacy", version + 1);
        }
    }
    done = true;
    for (auto& t : readers) t.join();
    EXPECT_EQ(bad.load(), 0u);
    EXPECT_GT(seen.load(), 0u);
}

TEST(InflightCounters, CountsPerAccountAndGuardsRelease) {
    inflight_counters counters;
    EXPECT_EQ(counters.count(5), 0);
    {
        inflight_guard a(counters, 5);
        inflight_guard b(counters, 5);
        EXPECT_EQ(counters.count(5), 2);
        inflight_guard moved = std::move(a);
        EXPECT_EQ(counters.count(5), 2);
    }
    EXPECT_EQ(counters.count(5), 0);
}

}  // namespace
}  // namespace gangway
