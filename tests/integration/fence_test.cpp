// The fence with two gateway instances on one site database (issue 3, acceptance point 2).
#include <chrono>
#include <future>
#include <string>

#include <gtest/gtest.h>

#include "tests/integration/support/fake_upstream.hpp"
#include "tests/integration/support/gateway_process.hpp"
#include "tests/integration/support/raw_client.hpp"
#include "tests/integration/support/routed_site.hpp"

namespace gangway::integration {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t account_a = 2002;
constexpr std::string_view page_fields = "Accept: text/html\r\n";

class Fence : public ::testing::Test {
protected:
    void SetUp() override {
        first_ = std::make_unique<gateway_process>(site_.settings({upstream_.port()}));
        second_ = std::make_unique<gateway_process>(site_.settings({upstream_.port()}));
        ASSERT_TRUE(wait_ready(*first_)) << first_->stderr_text();
        ASSERT_TRUE(wait_ready(*second_)) << second_->stderr_text();
        auto added = site_.accounts(*first_, {"add", std::to_string(account_a)});
        ASSERT_EQ(added.exit_code, 0) << added.err;
        cookie_ = routed_site::cookie_field(site_.cookie(7, account_a, "grace@example.com"));
        for (auto* gw : {first_.get(), second_.get()})
            ASSERT_TRUE(wait_until(5s, [&] { return get(*gw, "/").status == 200; }));
    }

    http_response get(const gateway_process& gw, std::string_view target) {
        return fetch(transport::plain, gw.plain_port(), {},
                     simple_request("GET", target, std::string(page_fields) + cookie_));
    }

    routed_site site_;
    fake_upstream upstream_;
    std::unique_ptr<gateway_process> first_;
    std::unique_ptr<gateway_process> second_;
    std::string cookie_;
};

TEST_F(Fence, LockReturnsOnlyWhenBothInstancesHaveSeenIt) {
    auto locked = site_.accounts(*first_, {"lock", std::to_string(account_a)});
    ASSERT_EQ(locked.exit_code, 0) << locked.err;
    // No waiting here: the fence held, so both answer with the lock page at once.
    EXPECT_EQ(get(*first_, "/").status, 503);
    EXPECT_EQ(get(*second_, "/").status, 503);
}

TEST_F(Fence, ASlowRequestInFlightHoldsTheLockUntilItCompletes) {
    auto slow = std::async(std::launch::async, [&] { return get(*second_, "/hold"); });
    ASSERT_TRUE(upstream_.wait_held(1, 5s));
    auto lock = std::async(std::launch::async, [&] {
        return site_.accounts(*first_, {"lock", std::to_string(account_a), "--timeout-ms", "20000"});
    });
    // The lock is written (both instances answer with the lock page) but lock has not returned.
    ASSERT_TRUE(wait_until(5s, [&] { return get(*first_, "/").status == 503; }));
    EXPECT_EQ(lock.wait_for(300ms), std::future_status::timeout);
    const std::size_t upstream_requests = upstream_.requests_received();
    upstream_.release();
    EXPECT_EQ(slow.get().status, 200);
    auto result = lock.get();
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(upstream_.requests_received(), upstream_requests);
}

TEST_F(Fence, AFenceTimeoutLeavesThePlacementAsItWas) {
    auto slow = std::async(std::launch::async, [&] { return get(*second_, "/hold"); });
    ASSERT_TRUE(upstream_.wait_held(1, 5s));
    const auto before = site_.placement_of(account_a);
    ASSERT_TRUE(before);
    auto result = site_.accounts(*first_, {"lock", std::to_string(account_a), "--timeout-ms", "500"});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find("request(s) in flight"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("restored"), std::string::npos) << result.err;
    const auto after = site_.placement_of(account_a);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->state, "active");
    EXPECT_EQ(after->site, "legacy");
    upstream_.release();
    EXPECT_EQ(slow.get().status, 200);
    EXPECT_TRUE(wait_until(2s, [&] { return get(*first_, "/").status == 200; }));
    // lock and its restoration are both in the audit log, after the add.
    EXPECT_EQ(site_.audit_rows(account_a), 3u);
}

TEST_F(Fence, AStoppedInstanceNoLongerHoldsTheFence) {
    second_.reset();  // SIGTERM: a clean stop removes its heartbeat
    auto locked = site_.accounts(*first_, {"lock", std::to_string(account_a), "--timeout-ms", "3000"});
    EXPECT_EQ(locked.exit_code, 0) << locked.err;
}

}  // namespace
}  // namespace gangway::integration
