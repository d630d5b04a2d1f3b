#include "gateway/auth/login_throttle.hpp"

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace gangway {
namespace {

using namespace std::chrono_literals;
using time_point = login_throttle::time_point;

const time_point t0 = time_point{} + 1000h;

// Fails `n` logins at `at` and returns whether the next check would still pass.
bool fail_n(login_throttle& t, std::string_view ip, std::string_view email, int n, time_point at) {
    for (int i = 0; i < n; ++i) t.record_failure(ip, email, at);
    return t.check(ip, email, at).allowed();
}

TEST(LoginThrottle, BurstThenLimitedByEmail) {
    login_throttle t({});
    for (int i = 0; i < 10; ++i) {
        const auto d = t.check("192.0.2.1", "ada@example.com", t0);
        ASSERT_TRUE(d.allowed()) << i;
        EXPECT_EQ(d.verdict, throttle_verdict::allowed);
        t.record_failure("192.0.2.1", "ada@example.com", t0);
    }
    const auto d = t.check("192.0.2.1", "ada@example.com", t0);
    EXPECT_FALSE(d.allowed());
    EXPECT_EQ(d.verdict, throttle_verdict::limited);
    EXPECT_TRUE(d.email_exhausted);
    EXPECT_FALSE(d.ip_exhausted);  // 10 of 30 used
    EXPECT_EQ(to_string(d.verdict), "limited");
}

TEST(LoginThrottle, SuccessesTakeNothing) {
    login_throttle t({});
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(t.check("192.0.2.1", "ada@example.com", t0).allowed());
    EXPECT_EQ(t.tracked_keys(), 0u);  // checks alone create no buckets
}

TEST(LoginThrottle, RefillsContinuously) {
    login_throttle t({});  // email: 10 per minute = one per 6 s
    EXPECT_FALSE(fail_n(t, "192.0.2.1", "ada@example.com", 10, t0));
    EXPECT_FALSE(t.check("192.0.2.1", "ada@example.com", t0 + 5900ms).allowed());
    EXPECT_TRUE(t.check("192.0.2.1", "ada@example.com", t0 + 6s).allowed());
    t.record_failure("192.0.2.1", "ada@example.com", t0 + 6s);
    EXPECT_FALSE(t.check("192.0.2.1", "ada@example.com", t0 + 6s).allowed());
    EXPECT_FALSE(t.check("192.0.2.1", "ada@example.com", t0 + 11s).allowed());
    EXPECT_TRUE(t.check("192.0.2.1", "ada@example.com", t0 + 12s).allowed());
    // Refill stops at the burst: a long pause buys 10 tries, not more.
    const time_point later = t0 + 24h;
    EXPECT_TRUE(fail_n(t, "192.0.2.1", "ada@example.com", 9, later));
    EXPECT_FALSE(fail_n(t, "192.0.2.1", "ada@example.com", 1, later));
}

TEST(LoginThrottle, PartialRefillAccumulates) {
    login_throttle t({.ip_rate_per_min = 30, .ip_burst = 30, .email_rate_per_min = 1, .email_burst = 2});
    EXPECT_FALSE(fail_n(t, "192.0.2.1", "ada@example.com", 2, t0));
    // Half a token at 30 s, another half at 60 s: allowed at 60 s, not before.
    EXPECT_FALSE(t.check("192.0.2.1", "ada@example.com", t0 + 30s).allowed());
    EXPECT_FALSE(t.check("192.0.2.1", "ada@example.com", t0 + 59s).allowed());
    EXPECT_TRUE(t.check("192.0.2.1", "ada@example.com", t0 + 60s).allowed());
}

TEST(LoginThrottle, CredentialStuffingOnOneAccountFromManyAddresses) {
    login_throttle t({});
    for (int i = 0; i < 10; ++i) {
        const std::string ip = "198.51.100." + std::to_string(i);
        ASSERT_TRUE(t.check(ip, "victim@example.com", t0).allowed()) << i;
        t.record_failure(ip, "victim@example.com", t0);
    }
    for (int i = 10; i < 200; ++i) {
        const auto d = t.check("198.51.100." + std::to_string(i), "victim@example.com", t0);
        ASSERT_FALSE(d.allowed()) << i;
        EXPECT_TRUE(d.email_exhausted);
        EXPECT_FALSE(d.ip_exhausted);
    }
    // Other accounts from those addresses are unaffected.
    EXPECT_TRUE(t.check("198.51.100.3", "someone@example.com", t0).allowed());
}

TEST(LoginThrottle, SprayingManyEmailsFromOneAddress) {
    login_throttle t({});
    for (int i = 0; i < 30; ++i) {
        const std::string email = "user" + std::to_string(i) + "@example.com";
        ASSERT_TRUE(t.check("203.0.113.9", email, t0).allowed()) << i;
        t.record_failure("203.0.113.9", email, t0);
    }
    const auto d = t.check("203.0.113.9", "fresh@example.com", t0);
    EXPECT_FALSE(d.allowed());
    EXPECT_TRUE(d.ip_exhausted);
    EXPECT_FALSE(d.email_exhausted);
    EXPECT_TRUE(t.check("203.0.113.10", "fresh@example.com", t0).allowed());
    EXPECT_TRUE(t.check("203.0.113.9", "fresh@example.com", t0 + 2s).allowed());  // 30/min
}

TEST(LoginThrottle, BothBucketsCanBeExhausted) {
    login_throttle t({.ip_rate_per_min = 1, .ip_burst = 3, .email_rate_per_min = 1, .email_burst = 3});
    EXPECT_FALSE(fail_n(t, "192.0.2.7", "ada@example.com", 3, t0));
    const auto d = t.check("192.0.2.7", "ada@example.com", t0);
    EXPECT_TRUE(d.ip_exhausted);
    EXPECT_TRUE(d.email_exhausted);
}

TEST(LoginThrottle, EmptyEmailChecksTheAddressOnly) {
    login_throttle t({.ip_rate_per_min = 1, .ip_burst = 2, .email_rate_per_min = 1, .email_burst = 1});
    t.record_failure("192.0.2.1", "", t0);
    t.record_failure("192.0.2.1", "   ", t0);
    EXPECT_EQ(t.tracked_keys(), 1u);
    const auto d = t.check("192.0.2.1", "", t0);
    EXPECT_TRUE(d.ip_exhausted);
    EXPECT_FALSE(d.email_exhausted);
}

TEST(LoginThrottle, ShadowModeAllowsButReports) {
    login_throttle t({.shadow = true});
    EXPECT_TRUE(fail_n(t, "192.0.2.1", "ada@example.com", 9, t0));
    EXPECT_EQ(t.check("192.0.2.1", "ada@example.com", t0).verdict, throttle_verdict::allowed);
    for (int i = 0; i < 100; ++i) t.record_failure("192.0.2.1", "ada@example.com", t0);
    const auto d = t.check("192.0.2.1", "ada@example.com", t0);
    EXPECT_TRUE(d.allowed());
    EXPECT_EQ(d.verdict, throttle_verdict::would_limit);
    EXPECT_TRUE(d.email_exhausted);
    EXPECT_TRUE(d.ip_exhausted);
    EXPECT_EQ(to_string(d.verdict), "would_limit");
}

TEST(LoginThrottle, EmailsAreCanonical) {
    EXPECT_EQ(throttle_email_key("  Ada@Example.COM \t"), "ada@example.com");
    EXPECT_EQ(throttle_email_key("\r\nADA@EXAMPLE.COM"), "ada@example.com");
    EXPECT_EQ(throttle_email_key("a d@x"), "a d@x");  // inner spaces are part of the text
    EXPECT_EQ(throttle_email_key(std::string(5000, 'A')).size(), 320u);
    login_throttle t({});
    for (const char* spelling : {"ADA@example.com", " ada@EXAMPLE.com", "Ada@Example.Com  ",
                                 "ada@example.com", "\tada@example.COM"})
        for (int i = 0; i < 2; ++i)
            t.record_failure("192.0.2." + std::to_string(i + 10), spelling, t0);
    EXPECT_FALSE(t.check("192.0.2.99", "ada@example.com", t0).allowed());
    EXPECT_FALSE(t.check("192.0.2.99", "  ADA@EXAMPLE.COM  ", t0).allowed());
    EXPECT_TRUE(t.check("192.0.2.99", "bob@example.com", t0).allowed());
}

TEST(LoginThrottle, AddressesKeyedByIpv4OrIpv6Slash64) {
    EXPECT_EQ(throttle_ip_key("192.0.2.1"), "192.0.2.1");
    EXPECT_EQ(throttle_ip_key("::ffff:192.0.2.1"), "192.0.2.1");
    EXPECT_EQ(throttle_ip_key("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
    EXPECT_EQ(throttle_ip_key("2001:DB8:1:2::ffff"), "2001:db8:1:2::/64");
    EXPECT_EQ(throttle_ip_key("not an address"), "not an address");
    login_throttle t({});
    for (int i = 0; i < 30; ++i)
        t.record_failure("2001:db8:1:2::" + std::to_string(i + 1), "u" + std::to_string(i), t0);
    EXPECT_TRUE(t.check("2001:db8:1:2:ffff::1", "x@example.com", t0).ip_exhausted);
    EXPECT_FALSE(t.check("2001:db8:1:3::1", "x@example.com", t0).ip_exhausted);
    t.record_failure("::ffff:198.51.100.1", "", t0);
    EXPECT_EQ(t.tracked_keys(), 32u);  // 30 emails, one /64, one IPv4
}

TEST(LoginThrottle, EmailAndAddressNeverShareABucket) {
    login_throttle t({.ip_rate_per_min = 1, .ip_burst = 1, .email_rate_per_min = 1, .email_burst = 5});
    t.record_failure("same", "", t0);  // exhausts the address bucket keyed "same"
    EXPECT_FALSE(t.check("192.0.2.1", "same", t0).email_exhausted);
}

TEST(LoginThrottle, MemoryIsBoundedByEvictingLeastRecentlyUsed) {
    login_throttle t({.max_tracked_keys = 64});
    for (int i = 0; i < 10000; ++i)
        t.record_failure("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256),
                         "user" + std::to_string(i) + "@example.com", t0 + std::chrono::milliseconds(i));
    EXPECT_LE(t.tracked_keys(), 64u);
    EXPECT_GT(t.tracked_keys(), 32u);
    login_throttle tiny({.max_tracked_keys = 3});
    for (int i = 0; i < 100; ++i) tiny.record_failure("10.1.1." + std::to_string(i), "", t0);
    EXPECT_LE(tiny.tracked_keys(), 3u);
    EXPECT_GE(tiny.tracked_keys(), 1u);
}

TEST(LoginThrottle, BucketsInUseOutliveIdleOnes) {
    // 16 shards of 2 buckets each. The victim's bucket, checked before every new key arrives
    // (an attacker still trying), is never the least recently used one of its shard.
    login_throttle t({.email_rate_per_min = 1e-6, .email_burst = 1, .max_tracked_keys = 32});
    t.record_failure("", "victim@example.com", t0);
    auto fresh_ip = [](int i) { return "10." + std::to_string(i / 65536) + "." +
                                       std::to_string(i / 256 % 256) + "." + std::to_string(i % 256); };
    for (int i = 0; i < 2000; ++i) {
        ASSERT_FALSE(t.check("192.0.2.1", "victim@example.com", t0).allowed()) << i;
        t.record_failure(fresh_ip(i), "", t0);
    }
    EXPECT_LE(t.tracked_keys(), 32u);
    // Left idle, it is evicted like any other, and a forgotten bucket is a full one.
    for (int i = 2000; i < 4000; ++i) t.record_failure(fresh_ip(i), "", t0);
    EXPECT_TRUE(t.check("192.0.2.1", "victim@example.com", t0).allowed());
}

TEST(LoginThrottle, EarlierTimestampsDoNotDrainOrRefill) {
    login_throttle t({.email_rate_per_min = 60, .email_burst = 2});
    EXPECT_FALSE(fail_n(t, "192.0.2.1", "ada@example.com", 2, t0 + 10s));
    EXPECT_FALSE(t.check("192.0.2.1", "ada@example.com", t0).allowed());
    t.record_failure("192.0.2.1", "ada@example.com", t0);  // late arrival from another thread
    EXPECT_TRUE(t.check("192.0.2.1", "ada@example.com", t0 + 11s).allowed());
}

TEST(LoginThrottle, RefusesNonsenseSettings) {
    EXPECT_THROW(login_throttle({.ip_rate_per_min = 0}), std::invalid_argument);
    EXPECT_THROW(login_throttle({.email_rate_per_min = -1}), std::invalid_argument);
    EXPECT_THROW(login_throttle({.ip_burst = 0}), std::invalid_argument);
    EXPECT_THROW(login_throttle({.email_burst = 0}), std::invalid_argument);
    EXPECT_THROW(login_throttle({.max_tracked_keys = 0}), std::invalid_argument);
}

TEST(LoginThrottle, ConcurrentFailuresAreAllCounted) {
    login_throttle t({.ip_rate_per_min = 1e-6, .ip_burst = 4000, .email_rate_per_min = 1e-6,
                      .email_burst = 4000});
    std::vector<std::thread> threads;
    for (int th = 0; th < 8; ++th)
        threads.emplace_back([&, th] {
            for (int i = 0; i < 500; ++i) {
                t.record_failure("192.0.2.1", "ada@example.com", t0);
                (void)t.check("192.0.2." + std::to_string(th), "u" + std::to_string(i), t0);
            }
        });
    for (auto& th : threads) th.join();
    // 8 × 500 = 4000 failures: exactly the burst, nothing lost to a race.
    const auto d = t.check("192.0.2.1", "ada@example.com", t0);
    EXPECT_TRUE(d.ip_exhausted);
    EXPECT_TRUE(d.email_exhausted);
    login_throttle u({.ip_rate_per_min = 1e-6, .ip_burst = 4001, .email_rate_per_min = 1e-6,
                      .email_burst = 4001});
    threads.clear();
    for (int th = 0; th < 8; ++th)
        threads.emplace_back([&] {
            for (int i = 0; i < 500; ++i) u.record_failure("192.0.2.1", "ada@example.com", t0);
        });
    for (auto& th : threads) th.join();
    EXPECT_TRUE(u.check("192.0.2.1", "ada@example.com", t0).allowed());
}

}  // namespace
}  // namespace gangway
