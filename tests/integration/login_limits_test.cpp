// Brute-force protection and sealed envelopes on the login flow (issue 4): token buckets per
// client IP and per email, on both paths (checked here, checked at the peer), the one 429
// answer, shadow mode; envelopes refused with their own reason in logs and metrics.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "common/crypto/key_ring.hpp"
#include "common/time/clock.hpp"
#include "gateway/auth/peer_envelope.hpp"
#include "tests/integration/support/two_sites.hpp"

namespace gangway::integration {
namespace {

two_sites::options limits(unsigned ip_burst, unsigned email_burst, bool shadow = false) {
    two_sites::options o;
    o.ip_burst = ip_burst;
    o.ip_rate_per_min = 0.01;  // no refill within a test
    o.email_burst = email_burst;
    o.email_rate_per_min = 0.01;
    o.throttle_shadow = shadow;
    return o;
}

std::string metrics_of(two_sites& s, const std::string& site) {
    return s.gateway(site).admin("GET", "/metrics", true).body;
}

struct path_case {
    const char* name;
    const char* email;
    const char* password;
};
// The local path (ada lives on legacy) and the forwarded one (bob moved to new).
const path_case paths[] = {{"Local", "ada@example.com", "ada-password"},
                           {"Forwarded", "bob@example.com", "bob-password"}};

class LoginLimits : public ::testing::TestWithParam<path_case> {};

TEST_P(LoginLimits, FailuresFromOneAddressLimitThatAddress) {
    two_sites sites(limits(3, 1000));
    add_people(sites);
    sites.start();
    const auto& p = GetParam();
    browser attacker(sites, "127.0.0.3");
    for (int i = 0; i < 3; ++i) EXPECT_EQ(attacker.log_in("legacy", p.email, "wrong").status, 200u);
    // Spent: even the right password, for any email, gets the one 429 from this address.
    auto limited = attacker.log_in("legacy", p.email, p.password);
    EXPECT_EQ(limited.status, 429u);
    EXPECT_TRUE(limited.header("Retry-After").has_value());
    EXPECT_EQ(attacker.log_in("legacy", "someone@example.com", "x").status, 429u);
    // Another address is not affected.
    browser user(sites, "127.0.0.4");
    EXPECT_EQ(user.log_in("legacy", p.email, p.password).status, 303u);
    EXPECT_NE(metrics_of(sites, "legacy").find(R"(gangway_login_rate_limited_total{key="ip",mode="enforced"})"),
              std::string::npos);
}

TEST_P(LoginLimits, FailuresForOneEmailLimitThatEmailFromEveryAddress) {
    two_sites sites(limits(1000, 3));
    add_people(sites);
    sites.start();
    const auto& p = GetParam();
    for (int i = 0; i < 3; ++i) {
        browser attacker(sites, "127.0.1." + std::to_string(i + 1));
        EXPECT_EQ(attacker.log_in("legacy", p.email, "wrong").status, 200u);
    }
    browser fresh_address(sites, "127.0.1.9");
    EXPECT_EQ(fresh_address.log_in("legacy", p.email, p.password).status, 429u);
    // Other emails from that address still work.
    browser other(sites, "127.0.1.9");
    EXPECT_EQ(other.log_in("legacy", "ada@example.com", "ada-password").status,
              std::string(p.email) == "ada@example.com" ? 429u : 303u);
    EXPECT_NE(metrics_of(sites, "legacy").find(R"(gangway_login_rate_limited_total{key="email",mode="enforced"})"),
              std::string::npos);
}

TEST_P(LoginLimits, ShadowModeOnlyCounts) {
    two_sites sites(limits(2, 2, true));
    add_people(sites);
    sites.start();
    const auto& p = GetParam();
    browser b(sites, "127.0.0.5");
    for (int i = 0; i < 3; ++i) EXPECT_EQ(b.log_in("legacy", p.email, "wrong").status, 200u);
    EXPECT_EQ(b.log_in("legacy", p.email, p.password).status, 303u);
    EXPECT_NE(metrics_of(sites, "legacy").find(R"(mode="shadow")"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(BothPaths, LoginLimits, ::testing::ValuesIn(paths),
                         [](const auto& test) { return std::string(test.param.name); });

// ---- envelopes ----------------------------------------------------------------------------

class PeerEnvelopes : public ::testing::Test {
protected:
    void SetUp() override {
        add_people(sites_);
        sites_.start();
        auto loaded = load_key_ring(sites_.peer_keys_file().string());
        ASSERT_TRUE(loaded.ring);
        keys_ = loaded.ring;
    }

    // POSTs a sealed text to the new site's peer login endpoint.
    http_response send(const std::string& sealed, const std::string& kind = "login") {
        const std::string request = "POST /_gangway/peer/v1/" + kind +
                                    " HTTP/1.1\r\nHost: new.localhost\r\nConnection: close\r\n"
                                    "Content-Type: text/plain\r\nContent-Length: " +
                                    std::to_string(sealed.size()) + "\r\n\r\n" + sealed;
        return fetch(transport::tls, sites_.port("new"), ca_file(), request);
    }

    std::string sealed(const std::string& sender, const std::string& audience,
                       std::chrono::system_clock::time_point now = std::chrono::system_clock::now(),
                       const std::string& kind = "login") {
        const auto e = envelope::fresh(sender, audience, kind,
                                       R"({"email":"bob@example.com","password":"bob-password","next":"/",)"
                                       R"("client_ip":"127.0.0.1","user_agent":"ua"})",
                                       now, std::chrono::seconds(5));
        return seal_envelope(*keys_, e);
    }

    // The reason was counted and logged.
    void expect_refused(const std::string& reason) {
        const auto metrics = sites_.gateway("new").admin("GET", "/metrics", true).body;
        EXPECT_NE(metrics.find("gangway_envelopes_refused_total{reason=\"" + reason + "\"} 1"), std::string::npos)
            << reason << "\n" << metrics;
        EXPECT_TRUE(wait_until(std::chrono::seconds(5), [&] {
            return sites_.gateway("new").stderr_text().find("peer envelope refused: " + reason) != std::string::npos;
        })) << reason;
    }

    two_sites sites_;
    std::shared_ptr<const key_ring> keys_;
};

TEST_F(PeerEnvelopes, AGoodEnvelopeIsAnsweredOnceThenRefusedAsReplayed) {
    const std::string text = sealed("legacy", "new");
    auto first = send(text);
    EXPECT_EQ(first.status, 200u);
    EXPECT_FALSE(first.body.empty());
    EXPECT_EQ(send(text).status, 403u);
    expect_refused("replayed");
}

TEST_F(PeerEnvelopes, EachRefusalHasItsOwnReason) {
    using namespace std::chrono;
    EXPECT_EQ(send(sealed("legacy", "new", system_clock::now() - minutes(5))).status, 403u);
    expect_refused("expired");
    EXPECT_EQ(send(sealed("legacy", "elsewhere")).status, 403u);
    expect_refused("wrong_audience");
    // Truncated inside the key id and nonce: not an envelope at all. Truncated later, the tag
    // cannot verify, which is all a receiver can know about a shortened ciphertext.
    EXPECT_EQ(send(sealed("legacy", "new").substr(0, 20)).status, 403u);
    expect_refused("malformed");
    const std::string whole = sealed("legacy", "new");
    EXPECT_EQ(send(whole.substr(0, whole.size() - 8)).status, 403u);
    expect_refused("bad_seal");

    // One of new's own replies played back to it.
    auto reply = send(sealed("legacy", "new"));
    ASSERT_EQ(reply.status, 200u);
    EXPECT_EQ(send(reply.body).status, 403u);
    expect_refused("reflected");

    std::vector<key_ring::key> other{{"zz", {}}};
    other[0].bytes.fill(7);
    const key_ring stranger(std::move(other));
    EXPECT_EQ(send(seal_envelope(stranger, envelope::fresh("legacy", "new", "login", "{}", system_clock::now())))
                  .status,
              403u);
    expect_refused("unknown_key");
    EXPECT_EQ(send(sealed("legacy", "new"), "reset").status, 403u);
    expect_refused("wrong_kind");
}

}  // namespace
}  // namespace gangway::integration
