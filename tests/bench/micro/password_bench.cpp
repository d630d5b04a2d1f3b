// Raw password verification: the ceiling for login throughput. tests/bench/login.sh compares
// the gateway's logins/s with BcryptVerify/10 on the same two threads, and subtracts
// BcryptVerify/4 from the hand-over latency ("hashing excluded").
// Run: build/tests/gangway_micro_bench --benchmark_filter=BcryptVerify
#include <crypt.h>

#include <stdexcept>
#include <string>

#include <benchmark/benchmark.h>

#include "common/auth/password_hash.hpp"

namespace gangway {
namespace {

// A $2b$ hash as the upstream app would store it (python-bcrypt and Django write the same
// format); made with libxcrypt, the library verify_password uses, so no extra dependency.
std::string bcrypt_hash(const std::string& password, unsigned long cost) {
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    crypt_data data{};
    if (!crypt_gensalt_rn("$2b$", cost, nullptr, 0, salt, sizeof salt))
        throw std::runtime_error("crypt_gensalt_rn failed");
    const char* hash = crypt_rn(password.c_str(), salt, &data, sizeof data);
    if (!hash || hash[0] == '*') throw std::runtime_error("crypt_rn failed");
    return hash;
}

// A right password: the login bench's case. Each thread verifies on its own, as the hashing
// pool's workers do; items_per_second summed over threads is the rate to compare with.
void BcryptVerify(benchmark::State& state) {
    const std::string password = "correct horse battery staple";
    const std::string stored = bcrypt_hash(password, static_cast<unsigned long>(state.range(0)));
    const verify_limits limits;
    for (auto _ : state) {
        const verify_result r = verify_password(password, stored, limits);
        if (r != verify_result::match) {
            state.SkipWithError("the password did not match its own hash");
            break;
        }
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BcryptVerify)->Arg(4)->Arg(10)->Threads(1)->Threads(2)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gangway
