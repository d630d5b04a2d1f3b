// Placement lookup at scale: what one authenticated request pays to learn where its account
// lives. Run: build/tests/gangway_micro_bench --benchmark_filter=Placement
#include <cstdint>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "gateway/placement/placement_cache.hpp"

namespace gangway {
namespace {

constexpr std::uint64_t accounts = 1'000'000;

const placement_cache& million_accounts() {
    static const placement_cache* cache = [] {
        auto* c = new placement_cache(1024);  // grows as a real refresher's first load does
        for (std::uint64_t id = 1; id <= accounts; ++id)
            c->apply(id * 7 + 13, id % 10 ? placement_lookup::active : placement_lookup::moved,
                     id % 10 ? "legacy" : "aws", id);
        return c;
    }();
    return *cache;
}

// Random existing accounts: the cache-missing case a busy gateway sees.
void PlacementLookupRandom(benchmark::State& state) {
    const placement_cache& cache = million_accounts();
    std::mt19937_64 rng(42);
    std::vector<std::uint64_t> ids(1 << 16);
    for (auto& id : ids) id = (rng() % accounts + 1) * 7 + 13;
    std::size_t i = 0;
    for (auto _ : state) {
        auto e = cache.find(ids[i++ & (ids.size() - 1)]);
        benchmark::DoNotOptimize(e);
    }
    state.counters["accounts"] = static_cast<double>(cache.size());
    state.counters["bytes_per_account"] =
        static_cast<double>(cache.bytes()) / static_cast<double>(cache.size());
}
BENCHMARK(PlacementLookupRandom);

// The same account again and again: the hot path of one user's page and its AJAX calls.
void PlacementLookupHot(benchmark::State& state) {
    const placement_cache& cache = million_accounts();
    for (auto _ : state) {
        auto e = cache.find(7 * 4242 + 13);
        benchmark::DoNotOptimize(e);
    }
}
BENCHMARK(PlacementLookupHot);

// Lookups from several threads at once: no lock, no shared writes, so no contention.
void PlacementLookupThreads(benchmark::State& state) {
    const placement_cache& cache = million_accounts();
    std::mt19937_64 rng(state.thread_index());
    for (auto _ : state) {
        auto e = cache.find((rng() % accounts + 1) * 7 + 13);
        benchmark::DoNotOptimize(e);
    }
}
BENCHMARK(PlacementLookupThreads)->Threads(1)->Threads(2);

}  // namespace
}  // namespace gangway
