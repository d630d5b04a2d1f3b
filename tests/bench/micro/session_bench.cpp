// Opening and sealing session cookies: what every authenticated request pays (open) and every
// login (seal). Run: build/tests/gangway_micro_bench --benchmark_filter=Session
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "common/crypto/identity_assertion.hpp"
#include "common/crypto/key_ring.hpp"
#include "common/session/session.hpp"
#include "common/session/session_cookie.hpp"
#include "common/time/clock.hpp"

namespace gangway {
namespace {

std::shared_ptr<const key_ring> ring() {
    std::vector<key_ring::key> keys{{"s2", {}}, {"s1", {}}};
    keys[0].bytes.fill(2);
    keys[1].bytes.fill(1);
    return std::make_shared<const key_ring>(std::move(keys));
}

struct fixture {
    system_clock_source clock;
    session_codec codec{ring(), clock, "legacy"};
    // 1M distinct accounts' cookies would be the same work per open; a spread of 4096 keeps
    // the inputs from sitting in one cache line.
    std::vector<std::string> cookies;
    fixture() {
        for (std::uint64_t i = 0; i < 4096; ++i)
            cookies.push_back(codec.seal(codec.mint(i + 1, i * 250 + 1, "user" + std::to_string(i) + "@example.com", i, std::chrono::hours(12))));
    }
};

void SessionOpen(benchmark::State& state) {
    static fixture f;
    std::size_t i = 0;
    for (auto _ : state) {
        auto s = f.codec.open(f.cookies[i++ & 4095]);
        benchmark::DoNotOptimize(s);
    }
    state.counters["cookie_bytes"] = static_cast<double>(f.cookies[0].size());
}
BENCHMARK(SessionOpen);

// The whole per-request cookie work: find it in a realistic Cookie header, then open it.
void SessionFindAndOpen(benchmark::State& state) {
    static fixture f;
    std::vector<std::string> headers;
    for (const auto& c : f.cookies) headers.push_back("_ga=GA1.2.3; csrftoken=abcdef0123456789; __Host-gangway=" + c + "; theme=dark");
    std::size_t i = 0;
    for (auto _ : state) {
        auto value = find_cookie(headers[i++ & 4095], "__Host-gangway");
        auto s = f.codec.open(*value);
        benchmark::DoNotOptimize(s);
    }
}
BENCHMARK(SessionFindAndOpen);

void SessionSeal(benchmark::State& state) {
    static fixture f;
    const session s = f.codec.mint(7, 1001, "ada@example.com", 3, std::chrono::hours(12));
    for (auto _ : state) {
        auto sealed = f.codec.seal(s);
        benchmark::DoNotOptimize(sealed);
    }
}
BENCHMARK(SessionSeal);

// The identity assertion the gateway signs for every proxied request of an account.
void AssertionSign(benchmark::State& state) {
    auto keys = ring();
    const identity_fields who{7, 1001, "ada@example.com", "legacy", "0123456789abcdef0123456789abcdef", 0};
    const auto now = std::chrono::system_clock::now();
    for (auto _ : state) {
        auto value = sign_identity_assertion(*keys, who, now);
        benchmark::DoNotOptimize(value);
    }
}
BENCHMARK(AssertionSign);

}  // namespace
}  // namespace gangway

BENCHMARK_MAIN();
