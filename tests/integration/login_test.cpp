// One login URL for every account (issue 4): two sites, two MariaDB servers, two gateways with
// TLS, two upstream apps. Users log in at the shared origin (legacy) wherever their account
// lives; moved accounts are checked by the new site and handed over with a single-use token.
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <thread>
#include <vector>

#include "tests/integration/support/two_sites.hpp"

namespace gangway::integration {
namespace {

constexpr const char* session_cookie = "__Host-gangway";

std::string location_of(const http_response& r) { return r.header("Location").value_or(""); }

class LoginTest : public ::testing::Test {
protected:
    void SetUp() override {
        add_people(sites_);
        sites_.start();
    }

    // A failed test shows what the gateways said.
    void TearDown() override {
        if (!HasFailure()) return;
        for (const char* site : {"legacy", "new"})
            std::cerr << "---- " << site << " gateway stderr:\n" << sites_.gateway(site).stderr_text();
    }

    // Logs bob in at the shared origin and returns the handoff URL the browser is sent to.
    std::string handoff_url(browser& b, const std::string& next = "/headers") {
        auto res = b.log_in("legacy", "bob@example.com", "bob-password", next);
        EXPECT_EQ(res.status, 303u) << res.body;
        return location_of(res);
    }

    two_sites sites_;
};

TEST_F(LoginTest, LocalUserLogsInAndReachesTheUpstreamWithIdentityHeaders) {
    browser b(sites_);
    auto res = b.log_in("legacy", "  Ada@Example.COM ", "ada-password", "/headers?from=login");
    ASSERT_EQ(res.status, 303u) << res.body;
    EXPECT_EQ(location_of(res), "/headers?from=login");
    EXPECT_FALSE(b.cookie("legacy", session_cookie).empty());
    EXPECT_EQ(res.header("Cache-Control"), "no-store");

    auto page = b.follow("legacy", location_of(res));
    ASSERT_EQ(page.status, 200u);
    EXPECT_EQ(page.header("X-Upstream"), "legacy-app");
    EXPECT_NE(page.body.find("X-Gangway-User-Id: 1\r\n"), std::string::npos) << page.body;
    EXPECT_NE(page.body.find("X-Gangway-Account-Id: 101\r\n"), std::string::npos);
    EXPECT_NE(page.body.find("X-Gangway-Email: ada@example.com\r\n"), std::string::npos);
    EXPECT_NE(page.body.find("X-Gangway-Assertion: "), std::string::npos);
    EXPECT_EQ(page.body.find(session_cookie), std::string::npos) << "the session cookie is the gateway's";
}

TEST_F(LoginTest, MovedUserLogsInAtTheSharedOriginAndLandsOnTheNewSiteAtThePageAskedFor) {
    browser b(sites_);
    auto res = b.log_in("legacy", "bob@example.com", "bob-password", "/headers?page=2");
    ASSERT_EQ(res.status, 303u) << res.body;
    const std::string handoff = location_of(res);
    EXPECT_EQ(handoff.rfind(sites_.origin("new") + "/_gangway/handoff?token=", 0), 0u) << handoff;
    EXPECT_EQ(res.header("Referrer-Policy"), "no-referrer");
    EXPECT_TRUE(b.cookie("legacy", session_cookie).empty()) << "no session on the site he left";

    auto landing = b.follow("legacy", handoff);
    ASSERT_EQ(landing.status, 303u) << landing.body;
    EXPECT_EQ(location_of(landing), "/headers?page=2");
    EXPECT_EQ(landing.header("Referrer-Policy"), "no-referrer");
    EXPECT_EQ(landing.header("Cache-Control"), "no-store");
    EXPECT_FALSE(b.cookie("new", session_cookie).empty());

    auto page = b.follow("new", location_of(landing));
    ASSERT_EQ(page.status, 200u);
    EXPECT_EQ(page.header("X-Upstream"), "new-app");
    EXPECT_NE(page.body.find("GET /headers?page=2 "), std::string::npos) << page.body;
    EXPECT_NE(page.body.find("X-Gangway-User-Id: 2\r\n"), std::string::npos) << page.body;
    EXPECT_NE(page.body.find("X-Gangway-Account-Id: 102\r\n"), std::string::npos);
    // The token never reached either upstream nor either access log.
    const std::string token = handoff.substr(handoff.find("token=") + 6);
    for (const char* site : {"legacy", "new"}) {
        for (const auto& head : sites_.app(site).request_heads()) EXPECT_EQ(head.find(token), std::string::npos);
        EXPECT_EQ(sites_.gateway(site).stdout_text().find(token), std::string::npos) << site;
        EXPECT_EQ(sites_.gateway(site).stderr_text().find(token), std::string::npos) << site;
    }
}

TEST_F(LoginTest, AnEmailUnknownHereIsCheckedByThePeer) {
    browser b(sites_);
    auto res = b.log_in("legacy", "cy@example.com", "cy-password", "/headers");
    ASSERT_EQ(res.status, 303u) << res.body;
    auto landing = b.follow("legacy", location_of(res));
    ASSERT_EQ(landing.status, 303u);
    auto page = b.follow("new", location_of(landing));
    EXPECT_NE(page.body.find("X-Gangway-User-Id: 3\r\n"), std::string::npos) << page.body;
}

TEST_F(LoginTest, RightPasswordForALockedAccountShowsTheLockPage) {
    browser b(sites_);
    auto res = b.log_in("legacy", "dee@example.com", "dee-password");
    EXPECT_EQ(res.status, 503u);
    EXPECT_TRUE(res.header("Retry-After").has_value());
    EXPECT_NE(res.body.find("/_gangway/status"), std::string::npos);
    EXPECT_TRUE(b.cookie("legacy", session_cookie).empty());
}

TEST_F(LoginTest, AHandoffTokenWorksOnceOnly) {
    browser b(sites_);
    const auto url = handoff_url(b);
    EXPECT_EQ(b.follow("legacy", url).status, 303u);
    browser again(sites_);
    auto second = again.follow("legacy", url);
    EXPECT_EQ(second.status, 403u);
    EXPECT_TRUE(again.cookie("new", session_cookie).empty());
}

TEST_F(LoginTest, AHandoffTokenFailsAfterItsExpiry) {
    browser b(sites_);
    const auto url = handoff_url(b);
    // The database's clock decides expiry: move the row's expiry into the past.
    sites_.site("new").execute("UPDATE gangway_handoff SET expires_at = UTC_TIMESTAMP(6) - INTERVAL 1 SECOND");
    EXPECT_EQ(b.follow("legacy", url).status, 403u);
    EXPECT_TRUE(b.cookie("new", session_cookie).empty());
}

TEST_F(LoginTest, AHandoffTokenFailsAtTheWrongSiteFromAnotherClientOrTampered) {
    browser b(sites_);
    const auto url = handoff_url(b);
    const std::string target = url.substr(sites_.origin("new").size());

    EXPECT_EQ(b.get("legacy", target).status, 403u) << "the wrong site";
    browser other_ip(sites_, "127.0.0.2", b.user_agent());
    EXPECT_EQ(other_ip.get("new", target).status, 403u) << "another IP";
    browser other_agent(sites_, "127.0.0.1", "another-browser/2.0");
    EXPECT_EQ(other_agent.get("new", target).status, 403u) << "another User-Agent";
    std::string tampered = target;
    tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
    EXPECT_EQ(b.get("new", tampered).status, 403u) << "tampered";
    EXPECT_EQ(b.get("new", target.substr(0, target.size() - 1)).status, 403u) << "truncated";

    // None of those attempts used the token up: its own browser still gets in.
    EXPECT_EQ(b.get("new", target).status, 303u);
    EXPECT_FALSE(b.cookie("new", session_cookie).empty());
}

TEST_F(LoginTest, TwentyConcurrentRedemptionsGiveExactlyOneSession) {
    browser b(sites_);
    const auto url = handoff_url(b);
    std::atomic<int> sessions{0}, refused{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 20; ++i) {
        threads.emplace_back([&] {
            browser racer(sites_, "127.0.0.1", b.user_agent());
            const auto res = racer.follow("legacy", url);
            if (res.status == 303 && !racer.cookie("new", session_cookie).empty()) ++sessions;
            else if (res.status == 403) ++refused;
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(sessions.load(), 1);
    EXPECT_EQ(refused.load(), 19);
    const auto metrics = sites_.gateway("new").admin("GET", "/metrics", true).body;
    EXPECT_NE(metrics.find(R"(gangway_handoffs_total{event="redeemed"} 1)"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find(R"(gangway_handoffs_total{event="replayed"} 19)"), std::string::npos);
}

TEST_F(LoginTest, LogoutEndsTheSessionOnThatSite) {
    browser b(sites_);
    auto res = b.log_in("legacy", "ada@example.com", "ada-password", "/headers");
    ASSERT_EQ(res.status, 303u);
    const std::string cookie = b.cookie("legacy", session_cookie);
    auto out = b.post_form("legacy", "/logout", "");
    EXPECT_EQ(out.status, 303u);
    EXPECT_EQ(location_of(out), "/login");
    EXPECT_TRUE(b.cookie("legacy", session_cookie).empty());
    // The old cookie, replayed, no longer gets through once the revocation has spread.
    browser replay(sites_);
    replay.set_cookie("legacy", session_cookie, cookie);
    EXPECT_TRUE(wait_until(std::chrono::seconds(5), [&] { return replay.get("legacy", "/headers").status == 302; }));
}

TEST_F(LoginTest, FormsFromAnotherOriginOrWithoutAValidTokenAreRefused) {
    browser b(sites_);
    b.get("legacy", "/login");
    const std::string body = "csrf=" + form_escape(b.form_value("legacy", "csrf")) +
                             "&state=&email=ada%40example.com&password=ada-password";
    EXPECT_EQ(b.post_form("legacy", "/login", body, "https://evil.example").status, 403u);
    EXPECT_EQ(b.post_form("legacy", "/login", body, "null").status, 403u);
    const std::string forged = "csrf=AAAA&state=&email=ada%40example.com&password=ada-password";
    auto res = b.post_form("legacy", "/login", forged);
    EXPECT_EQ(res.status, 403u);
    EXPECT_TRUE(b.cookie("legacy", session_cookie).empty());
    EXPECT_EQ(b.post_form("legacy", "/login", "csrf=%zz").status, 400u) << "malformed form";
    // The page refusing the forged token carries a fresh one that works.
    const std::string retry = "csrf=" + form_escape(input_value(res.body, "csrf")) +
                              "&state=&email=ada%40example.com&password=ada-password";
    EXPECT_EQ(b.post_form("legacy", "/login", retry).status, 303u);
}

TEST_F(LoginTest, HostileNextTargetsLandOnTheSitesOwnRoot) {
    for (const std::string next : {"https://evil.example/", "//evil.example/", "/\\evil.example",
                                   "https://legacy.localhost.evil.example/", "javascript:alert(1)",
                                   "https://user@evil.example/", "/%2F%2Fevil.example"}) {
        browser b(sites_);
        auto res = b.log_in("legacy", "ada@example.com", "ada-password", next);
        ASSERT_EQ(res.status, 303u) << next;
        EXPECT_EQ(location_of(res), "/") << next;
    }
}

TEST_F(LoginTest, FailedLoginsAnswerByteForByteTheSame) {
    browser b(sites_);
    b.get("legacy", "/login?next=/headers");
    const std::string fields = "csrf=" + form_escape(b.form_value("legacy", "csrf")) +
                               "&state=" + form_escape(b.form_value("legacy", "state"));
    auto attempt = [&](const std::string& email, const std::string& password) {
        auto res = b.post_form("legacy", "/login", fields + "&email=" + form_escape(email) +
                                                       "&password=" + form_escape(password));
        std::string text = std::to_string(res.status) + "\n";
        for (const auto& [name, value] : res.headers)
            if (name != "Date" && name != "X-Request-Id") text += name + ": " + value + "\n";
        return text + "\n" + res.body;
    };
    const std::string unknown = attempt("nobody@example.com", "whatever-password");
    EXPECT_EQ(unknown.substr(0, 4), "200\n");
    EXPECT_EQ(attempt("ada@example.com", "wrong-password"), unknown) << "wrong password, local";
    EXPECT_EQ(attempt("bob@example.com", "wrong-password"), unknown) << "wrong password, moved";
    EXPECT_EQ(attempt("dee@example.com", "wrong-password"), unknown) << "wrong password, locked";
    EXPECT_EQ(attempt("cy@example.com", "wrong-password"), unknown) << "wrong password, other site";
    EXPECT_EQ(attempt("ada@example.com", std::string(5000, 'x')), unknown) << "oversized password";
    EXPECT_EQ(attempt("", "x"), unknown) << "empty email";
}

TEST_F(LoginTest, ASessionFollowsItsAccountToTheNewSite) {
    browser b(sites_);
    ASSERT_EQ(b.log_in("legacy", "ada@example.com", "ada-password", "/headers").status, 303u);
    ASSERT_EQ(b.get("legacy", "/headers").status, 200u);

    // Ops move ada's account (its rows copied to new, the placement flipped on both sides).
    sites_.add_user("new", {1, "ada@example.com", "ada-password", 101});
    sites_.site("new").place(101, "active", "new");
    sites_.site("legacy").place(101, "moved", "new");
    http_response res;
    ASSERT_TRUE(wait_until(std::chrono::seconds(5), [&] {
        res = b.get("legacy", "/headers?after=move");
        return res.status == 302;
    }));
    EXPECT_EQ(location_of(res), "/_gangway/transfer?next=/headers%3Fafter%3Dmove");

    // The transfer hands the session over: no password typed again.
    auto handed = b.follow("legacy", location_of(res));
    ASSERT_EQ(handed.status, 303u) << handed.body;
    EXPECT_EQ(location_of(handed).rfind(sites_.origin("new") + "/_gangway/handoff?token=", 0), 0u);
    auto landing = b.follow("legacy", location_of(handed));
    ASSERT_EQ(landing.status, 303u);
    EXPECT_EQ(location_of(landing), "/headers?after=move");
    auto page = b.follow("new", location_of(landing));
    ASSERT_EQ(page.status, 200u);
    EXPECT_EQ(page.header("X-Upstream"), "new-app");
    EXPECT_NE(page.body.find("X-Gangway-User-Id: 1\r\n"), std::string::npos);

    // AJAX gets the same way as a JSON redirect, which client.js follows.
    auto ajax = b.get("legacy", "/api/items", "Accept: application/json\r\nSec-Fetch-Mode: cors\r\n");
    EXPECT_EQ(ajax.status, 409u);
    EXPECT_EQ(ajax.header("Gangway-Location"), "/_gangway/transfer?next=/api/items");
    // Without a session there is nothing to hand over: the login form, with next.
    browser stranger(sites_);
    auto anonymous = stranger.get("legacy", "/_gangway/transfer?next=/headers");
    EXPECT_EQ(anonymous.status, 303u);
    EXPECT_EQ(location_of(anonymous), "/login?next=/headers");
}

// The reset requests each upstream app received (request heads of POST <reset_path>).
std::vector<std::string> reset_requests(two_sites& s, const std::string& site) {
    std::vector<std::string> out;
    for (const auto& head : s.app(site).request_heads())
        if (head.rfind("POST /password-reset/ ", 0) == 0) out.push_back(head);
    return out;
}

TEST_F(LoginTest, ForgottenPasswordsGoToTheSiteWhereTheAccountLivesWithOneAnswerForAll) {
    browser b(sites_);
    ASSERT_EQ(b.get("legacy", "/forgot-password").status, 200u);
    const std::string csrf = "csrf=" + form_escape(b.form_value("legacy", "csrf"));
    auto ask = [&](const std::string& email) {
        auto res = b.post_form("legacy", "/forgot-password", csrf + "&email=" + form_escape(email));
        return std::to_string(res.status) + "\n" + res.body;
    };
    const std::string answer = ask("ada@example.com");
    EXPECT_EQ(answer.substr(0, 4), "200\n");
    EXPECT_EQ(ask("bob@example.com"), answer);
    EXPECT_EQ(ask("nobody@example.com"), answer);

    // ada's reset reaches the legacy app, bob's the new one, each with the user's identity.
    ASSERT_TRUE(wait_until(std::chrono::seconds(10), [&] {
        return reset_requests(sites_, "legacy").size() == 1 && reset_requests(sites_, "new").size() == 1;
    }));
    EXPECT_NE(reset_requests(sites_, "legacy")[0].find("X-Gangway-Email: ada@example.com\r\n"), std::string::npos);
    EXPECT_NE(reset_requests(sites_, "new")[0].find("X-Gangway-Email: bob@example.com\r\n"), std::string::npos);
    EXPECT_NE(reset_requests(sites_, "new")[0].find("X-Gangway-Assertion: "), std::string::npos);
    // The unknown email reached neither app, once both sites have answered for it.
    EXPECT_TRUE(wait_until(std::chrono::seconds(10), [&] {
        const auto m = sites_.gateway("legacy").admin("GET", "/metrics", true).body;
        return m.find(R"(gangway_password_resets_total{outcome="not_here",path="forwarded"} 1)") != std::string::npos;
    }));
    EXPECT_EQ(reset_requests(sites_, "legacy").size() + reset_requests(sites_, "new").size(), 2u);
}

}  // namespace
}  // namespace gangway::integration
