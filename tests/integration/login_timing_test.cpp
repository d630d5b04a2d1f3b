// Failed logins take the same time whatever failed (issue 4, "uniform answers"): unknown
// email, wrong password here, and wrong passwords for accounts that are moved, locked or only
// known to the other site. ≥ 200 samples per case, compared with a two-sample
// Kolmogorov-Smirnov test; a control run without the uniform answer time shows the test can
// tell the cases apart when they differ.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>
#include <thread>
#include <vector>

#include "tests/integration/support/two_sites.hpp"

namespace gangway::integration {
namespace {

constexpr int samples_per_case = 200;
constexpr int threads = 8;

struct failure_case {
    const char* name;
    const char* email;
};
const failure_case cases[] = {{"unknown email", "nobody@example.com"},
                              {"wrong password, local", "ada@example.com"},
                              {"wrong password, moved", "bob@example.com"},
                              {"wrong password, locked", "dee@example.com"},
                              {"wrong password, other site only", "cy@example.com"}};
constexpr std::size_t case_count = std::size(cases);

// Milliseconds per failed login, per case, measured by `threads` browsers in parallel, each
// going through the cases in turn so that load affects every case alike.
std::vector<std::vector<double>> measure(unsigned failure_answer_ms) {
    two_sites::options o;
    o.failure_answer_ms = failure_answer_ms;
    two_sites sites(o);
    add_people(sites);
    sites.start();
    std::vector<std::vector<double>> times(case_count);
    std::mutex mutex;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            browser b(sites);
            b.get("legacy", "/login");
            const std::string form = "csrf=" + form_escape(b.form_value("legacy", "csrf")) +
                                     "&state=" + form_escape(b.form_value("legacy", "state")) + "&email=";
            for (int i = t; i < samples_per_case * static_cast<int>(case_count); i += threads) {
                const auto& c = cases[static_cast<std::size_t>(i) % case_count];
                const auto start = std::chrono::steady_clock::now();
                const auto res = b.post_form("legacy", "/login", form + form_escape(c.email) + "&password=wrong-one");
                const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
                std::lock_guard lock(mutex);
                if (res.status == 200) times[static_cast<std::size_t>(i) % case_count].push_back(took.count());
            }
        });
    }
    for (auto& w : workers) w.join();
    return times;
}

// The two-sample Kolmogorov-Smirnov statistic: the largest gap between the empirical CDFs.
double ks_statistic(std::vector<double> a, std::vector<double> b) {
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    double d = 0;
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        const double x = std::min(a[i], b[j]);
        while (i < a.size() && a[i] <= x) ++i;
        while (j < b.size() && b[j] <= x) ++j;
        d = std::max(d, std::abs(static_cast<double>(i) / a.size() - static_cast<double>(j) / b.size()));
    }
    return d;
}

// The statistic's critical value at significance 0.001 for samples of n and m.
double ks_critical(std::size_t n, std::size_t m) {
    return 1.949 * std::sqrt(static_cast<double>(n + m) / static_cast<double>(n * m));
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// The cases the KS test separates from the unknown email's.
std::vector<std::size_t> separable(const std::vector<std::vector<double>>& times) {
    std::vector<std::size_t> out;
    for (std::size_t c = 1; c < case_count; ++c) {
        if (ks_statistic(times[0], times[c]) >= ks_critical(times[0].size(), times[c].size())) out.push_back(c);
    }
    return out;
}

// A case counts as separable when two measurements in a row separate it: a burst of load on a
// shared machine (CI runs two tests at once) can shift one sample set by chance; a real
// difference in work shows in both (the control below).
TEST(LoginTiming, FailedLoginsAreNotSeparableByTime) {
    const auto first = measure(150);
    for (std::size_t c = 0; c < case_count; ++c)
        ASSERT_EQ(first[c].size(), static_cast<std::size_t>(samples_per_case)) << cases[c].name;
    const auto flagged = separable(first);
    if (flagged.empty()) return;
    const auto second = measure(150);
    for (std::size_t c : flagged) {
        const double d = ks_statistic(second[0], second[c]);
        EXPECT_LT(d, ks_critical(second[0].size(), second[c].size()))
            << cases[c].name << " vs " << cases[0].name << ", separated twice: medians " << median(first[c])
            << " and " << median(first[0]) << " ms, then " << median(second[c]) << " and " << median(second[0])
            << " ms";
    }
}

TEST(LoginTiming, WithoutTheUniformAnswerTimeTheTestTellsCasesApart) {
    // The control: answering as soon as the work is done, a local wrong password (one bcrypt
    // at cost 4) and one checked by the other site (a TLS call) are told apart.
    const auto times = measure(1);
    const double d = ks_statistic(times[1], times[2]);
    EXPECT_GT(d, ks_critical(times[1].size(), times[2].size()))
        << "medians " << median(times[1]) << " ms and " << median(times[2]) << " ms";
}

}  // namespace
}  // namespace gangway::integration
