#include "gateway/filters/account_router.hpp"

#include <boost/beast/http/message.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/crypto/identity_assertion.hpp"
#include "tests/support/test_keys.hpp"

namespace gangway {
namespace {

using namespace std::chrono_literals;
namespace http = boost::beast::http;

std::shared_ptr<const key_ring> ring(const char* id, char fill) {
    return testing::ring_of({{id, fill}});
}

config_ptr routed_config() {
    auto c = std::make_shared<config>();
    c->sites.self = "legacy";
    c->sites.signup_site = "aws";
    c->sites.entries = {{"legacy", "https://app.example.com", ""}, {"aws", "https://eu2.example.com", ""}};
    c->routing.public_prefixes = {"/static/"};
    c->placement.lock_retry_after_s = 7;
    return c;
}

class AccountRouter : public ::testing::Test {
protected:
    AccountRouter() {
        cache_.apply(1, placement_lookup::active, "legacy", 1);
        cache_.apply(2, placement_lookup::locked, "legacy", 2);
        cache_.apply(3, placement_lookup::moved, "aws", 3);
        cache_.mark_refreshed(std::chrono::steady_clock::now());
    }

    std::string cookie_for(std::uint64_t account) const {
        session_codec codec(session_keys_, clock_, "legacy");
        return "theme=dark; __Host-gangway=" + codec.seal(codec.mint(account * 10, account, "u@example.com", 1, 1h));
    }

    route_outcome route(std::string_view target, std::string_view cookie,
                        request_kind kind = request_kind::page, session_memo* memo = nullptr) const {
        const std::string_view path = target.substr(0, target.find('?'));
        return router_.route({"GET", target, path, kind, cookie, "rid-1", memo});
    }

    manual_clock clock_{std::chrono::system_clock::now()};
    std::shared_ptr<const key_ring> session_keys_ = ring("s1", 1);
    std::shared_ptr<const key_ring> assertion_keys_ = ring("a1", 2);
    placement_cache cache_;
    revoked_sessions revoked_;
    inflight_counters inflight_;
    account_router router_{routed_config(), session_keys_, assertion_keys_, clock_, cache_, revoked_, inflight_};
};

TEST_F(AccountRouter, ActiveAccountIsProxiedWithItsIdentityAndCountedInFlight) {
    {
        auto out = route("/dashboard", cookie_for(1));
        ASSERT_EQ(out.what, route_outcome::verdict::proxy);
        EXPECT_EQ(out.reason, "proxied");
        ASSERT_TRUE(out.who);
        EXPECT_EQ(out.who->account_id, 1u);
        EXPECT_EQ(inflight_.count(1), 1);
    }
    EXPECT_EQ(inflight_.count(1), 0);
}

TEST_F(AccountRouter, LockedMovedAndMissingSessionsAreAnsweredHere) {
    auto locked = route("/dashboard", cookie_for(2));
    ASSERT_EQ(locked.what, route_outcome::verdict::respond);
    EXPECT_EQ(locked.answer->result_int(), 503);
    EXPECT_EQ((*locked.answer)[http::field::retry_after], "7");
    EXPECT_NE(locked.answer->body().find("rid-1"), std::string::npos);  // the lock page names the request
    EXPECT_EQ(inflight_.count(2), 0);

    auto moved = route("/r?x=1", cookie_for(3), request_kind::ajax);
    EXPECT_EQ(moved.answer->result_int(), 409);
    EXPECT_EQ((*moved.answer)["Gangway-Location"], "https://eu2.example.com/r?x=1");

    auto none = route("/r", "theme=dark");
    EXPECT_EQ(none.answer->result_int(), 302);
    EXPECT_EQ((*none.answer)[http::field::location], "/login?next=/r");
}

TEST_F(AccountRouter, RevokedSessionsAreNoSession) {
    const std::string cookie = cookie_for(1);
    const auto id = session_codec(session_keys_, clock_, "legacy").open(cookie.substr(cookie.find("__Host-gangway=") + 15))->session_id;
    revoked_.publish({id});
    auto out = route("/dashboard", cookie);
    ASSERT_EQ(out.what, route_outcome::verdict::respond);
    EXPECT_EQ(out.reason, "login_required_page");
}

// A connection's memo saves opening the same cookie again, and changes nothing else: a
// different cookie, expiry, revocation and another router's memo are all seen.
TEST_F(AccountRouter, TheConnectionsSessionMemoIsReusedOnlyForTheSameCookieAndRouter) {
    session_memo memo;
    const std::string cookie = cookie_for(1);
    auto first = route("/a", cookie, request_kind::page, &memo);
    ASSERT_TRUE(first.who);
    EXPECT_EQ(memo.router, router_.serial());
    auto again = route("/b", cookie, request_kind::page, &memo);
    ASSERT_TRUE(again.who);
    EXPECT_EQ(again.who.get(), first.who.get());  // not opened again
    EXPECT_EQ(again.who->account_id, 1u);

    // Another cookie on the same connection is opened (and becomes the memo); a tampered one
    // is no session even though the memo holds a good one.
    auto other = route("/c", cookie_for(3), request_kind::page, &memo);
    EXPECT_EQ(other.what, route_outcome::verdict::respond);  // account 3 moved: redirected
    EXPECT_EQ(memo.opened->account_id, 3u);
    std::string tampered = cookie;
    tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
    route("/a", cookie, request_kind::page, &memo);
    auto bad = route("/a", tampered, request_kind::page, &memo);
    EXPECT_EQ(bad.reason, "login_required_page");

    // Revoked, then expired, while memoised.
    route("/a", cookie, request_kind::page, &memo);
    const auto id = memo.opened->session_id;
    revoked_.publish({id});
    EXPECT_EQ(route("/a", cookie, request_kind::page, &memo).reason, "login_required_page");
    revoked_.publish({});
    EXPECT_TRUE(route("/a", cookie, request_kind::page, &memo).who);
    clock_.advance(2h);
    EXPECT_EQ(route("/a", cookie, request_kind::page, &memo).reason, "login_required_page");
}

TEST_F(AccountRouter, AMemoFilledByAnotherRouterIsNotTrusted) {
    session_memo memo;
    const std::string cookie = cookie_for(1);
    ASSERT_TRUE(route("/a", cookie, request_kind::page, &memo).who);
    // After a reload with a new session key, the old cookie must not open, memo or not.
    account_router reloaded{routed_config(), ring("s2", 9), assertion_keys_, clock_, cache_, revoked_, inflight_};
    EXPECT_NE(reloaded.serial(), router_.serial());
    auto out = reloaded.route({"GET", "/a", "/a", request_kind::page, cookie, "r", &memo});
    EXPECT_FALSE(out.who);
    EXPECT_EQ(out.reason, "login_required_page");
}

TEST_F(AccountRouter, OwnPathsSignupAndPublicPaths) {
    auto js = route("/_gangway/client.js", "");
    EXPECT_EQ(js.answer->result_int(), 200);
    auto status = route("/_gangway/status", cookie_for(3), request_kind::ajax);
    auto body = nlohmann::json::parse(status.answer->body());
    EXPECT_EQ(body["gangway"]["state"], "moved");
    EXPECT_EQ(body["gangway"]["location"], "https://eu2.example.com/");
    EXPECT_EQ(nlohmann::json::parse(route("/_gangway/status", "").answer->body())["gangway"]["state"], "none");
    auto signup = route("/signup?plan=pro", "");
    EXPECT_EQ(signup.answer->result_int(), 302);
    EXPECT_EQ((*signup.answer)[http::field::location], "https://eu2.example.com/signup?plan=pro");
    auto asset = route("/static/app.css", "");
    EXPECT_EQ(asset.what, route_outcome::verdict::proxy);
    EXPECT_FALSE(asset.who);
}

TEST_F(AccountRouter, ExpiredCacheFailsClosed) {
    placement_cache never_loaded;
    account_router cold{routed_config(), session_keys_, assertion_keys_, clock_, never_loaded, revoked_, inflight_};
    auto out = cold.route({"GET", "/", "/", request_kind::page, cookie_for(1), "r"});
    ASSERT_EQ(out.what, route_outcome::verdict::respond);
    EXPECT_EQ(out.answer->result_int(), 503);
    EXPECT_EQ(out.reason, "placement_unavailable");
}

TEST_F(AccountRouter, IdentityHeadersAndTheSessionCookieForTheUpstream) {
    auto out = route("/", cookie_for(1));
    http::request_header<> head;
    head.set(http::field::cookie, "theme=dark; __Host-gangway=abc;  lang=en");
    router_.remove_session_cookie(head);
    EXPECT_EQ(head[http::field::cookie], "theme=dark; lang=en");
    router_.add_identity(head, *out.who, "rid-9");
    EXPECT_EQ(head["X-Gangway-User-Id"], "10");
    EXPECT_EQ(head["X-Gangway-Account-Id"], "1");
    EXPECT_EQ(head["X-Gangway-Email"], "u@example.com");
    auto verified = verify_identity_assertion(*assertion_keys_, std::string(head["X-Gangway-Assertion"]), clock_.now(), 60s);
    ASSERT_TRUE(verified);
    EXPECT_EQ(verified->request_id, "rid-9");
    http::request_header<> only_ours;
    only_ours.set(http::field::cookie, "__Host-gangway=abc");
    router_.remove_session_cookie(only_ours);
    EXPECT_EQ(only_ours.count(http::field::cookie), 0u);
}

TEST(WithoutCookie, RemovesEveryPairOfTheName) {
    EXPECT_EQ(without_cookie("a=1; b=2; a=3", "a"), "b=2");
    EXPECT_EQ(without_cookie("a=1", "a"), "");
    EXPECT_EQ(without_cookie("ab=1;a=2 ; c", "a"), "ab=1; c");
    EXPECT_EQ(without_cookie("", "a"), "");
    EXPECT_EQ(without_cookie(";;;", "a"), "");
}

}  // namespace
}  // namespace gangway
