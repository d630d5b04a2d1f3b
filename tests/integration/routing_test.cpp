// Per-account routing end to end: a real MariaDB (CTest fixture), the real gangway binary,
// the CLI, a fake upstream. Issue 3, acceptance points 1 to 3.
#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/crypto/identity_assertion.hpp"
#include "common/crypto/key_ring.hpp"
#include "tests/integration/support/fake_upstream.hpp"
#include "tests/integration/support/gateway_process.hpp"
#include "tests/integration/support/raw_client.hpp"
#include "tests/integration/support/routed_site.hpp"

namespace gangway::integration {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t account_a = 1001;
constexpr std::uint64_t user_a = 501;
constexpr const char* email_a = "ada@example.com";

constexpr std::string_view ajax_fields = "Accept: application/json\r\nX-Requested-With: XMLHttpRequest\r\n";
constexpr std::string_view page_fields = "Accept: text/html\r\nSec-Fetch-Mode: navigate\r\nSec-Fetch-Dest: document\r\n";

class Routing : public ::testing::Test {
protected:
    void SetUp() override {
        gateway_ = std::make_unique<gateway_process>(site_.settings({upstream_.port()}));
        ASSERT_TRUE(wait_ready(*gateway_)) << gateway_->stderr_text();
        auto added = site_.accounts(*gateway_, {"add", std::to_string(account_a), "--reason", "test"});
        ASSERT_EQ(added.exit_code, 0) << added.err;
        cookie_ = routed_site::cookie_field(site_.cookie(user_a, account_a, email_a));
        ASSERT_TRUE(wait_until(5s, [&] { return get("/", page_fields).status == 200; }));
    }

    http_response get(std::string_view target, std::string_view fields, bool with_cookie = true,
                      std::string_view method = "GET") {
        std::string all = std::string(fields) + (with_cookie ? cookie_ : "");
        return fetch(transport::plain, gateway_->plain_port(), {},
                     simple_request(method, target, all));
    }

    // The last request head the upstream received.
    std::string last_upstream_head() {
        auto heads = upstream_.request_heads();
        return heads.empty() ? "" : heads.back();
    }

    routed_site site_;
    fake_upstream upstream_;
    std::unique_ptr<gateway_process> gateway_;
    std::string cookie_;
};

TEST_F(Routing, ActiveAccountIsProxiedWithIdentityHeadersAndAVerifiableAssertion) {
    auto r = get("/headers", page_fields);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.body.find("X-Gangway-User-Id: 501\r\n"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("X-Gangway-Account-Id: 1001\r\n"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("X-Gangway-Email: ada@example.com\r\n"), std::string::npos) << r.body;
    const auto at = r.body.find("X-Gangway-Assertion: ");
    ASSERT_NE(at, std::string::npos) << r.body;
    const auto end = r.body.find("\r\n", at);
    const std::string assertion = r.body.substr(at + 21, end - at - 21);
    auto keys = load_key_ring(site_.assertion_keys().string());
    ASSERT_TRUE(keys.ring);
    auto verified = verify_identity_assertion(*keys.ring, assertion, std::chrono::system_clock::now(), 60s);
    ASSERT_TRUE(verified.has_value()) << assertion;
    EXPECT_EQ(verified->account_id, account_a);
    EXPECT_EQ(verified->user_id, user_a);
    EXPECT_EQ(verified->email, email_a);
    // The gangway session cookie is for the gateway, not the app.
    EXPECT_EQ(r.body.find("__Host-gangway"), std::string::npos) << r.body;
}

TEST_F(Routing, ClientSentIdentityHeadersNeverReachTheUpstream) {
    const std::string spoof =
        "X-Gangway-User-Id: 1\r\nX-Gangway-Account-Id: 2\r\nX-Gangway-Email: root@evil\r\n"
        "X-Gangway-Assertion: v1;forged\r\n";
    auto with_session = get("/headers", std::string(page_fields) + spoof);
    ASSERT_EQ(with_session.status, 200);
    EXPECT_EQ(with_session.body.find("root@evil"), std::string::npos);
    EXPECT_EQ(with_session.body.find("forged"), std::string::npos);
    EXPECT_NE(with_session.body.find("X-Gangway-Account-Id: 1001\r\n"), std::string::npos);
}

TEST_F(Routing, NoSessionIsSentToLoginOrGetsA401Json) {
    auto page = get("/reports/7?range=week", page_fields, false);
    EXPECT_EQ(page.status, 302);
    EXPECT_EQ(page.header("Location").value_or(""), "/login?next=/reports/7%3Frange%3Dweek");
    auto ajax = get("/api/items", ajax_fields, false);
    EXPECT_EQ(ajax.status, 401);
    auto body = nlohmann::json::parse(ajax.body);
    EXPECT_EQ(body["gangway"]["action"], "login");
    EXPECT_EQ(body["gangway"]["location"], "/login?next=/api/items");
}

TEST_F(Routing, LockUnlockAndMovedFollowThePlacementWithAnAuditRowEach) {
    const std::string id = std::to_string(account_a);
    auto locked = site_.accounts(*gateway_, {"lock", id, "--reason", "moving to aws"});
    ASSERT_EQ(locked.exit_code, 0) << locked.err;
    std::size_t upstream_before = upstream_.requests_received();

    auto page = get("/dashboard", page_fields);
    EXPECT_EQ(page.status, 503);
    EXPECT_TRUE(page.header("Retry-After").has_value());
    EXPECT_NE(page.body.find("/_gangway/status"), std::string::npos);
    auto ajax = get("/api/widget", ajax_fields);
    EXPECT_EQ(ajax.status, 503);
    auto wait = nlohmann::json::parse(ajax.body);
    EXPECT_EQ(wait["gangway"]["action"], "wait");
    EXPECT_GE(wait["gangway"]["retry_after"].get<int>(), 1);
    auto status = get("/_gangway/status", ajax_fields);
    EXPECT_EQ(nlohmann::json::parse(status.body)["gangway"]["state"], "locked");
    // Nothing of A reached the upstream once lock returned.
    EXPECT_EQ(upstream_.requests_received(), upstream_before);

    auto unlocked = site_.accounts(*gateway_, {"unlock", id});
    ASSERT_EQ(unlocked.exit_code, 0) << unlocked.err;
    ASSERT_TRUE(wait_until(2s, [&] { return get("/", page_fields).status == 200; }));
    EXPECT_GT(upstream_.requests_received(), upstream_before);

    ASSERT_EQ(site_.accounts(*gateway_, {"lock", id}).exit_code, 0);
    // Without $USER (cron, containers) the audit names the account the command runs as.
    const std::string saved_user = std::getenv("USER") ? std::getenv("USER") : "";
    ::unsetenv("USER");
    auto moved = site_.accounts(*gateway_, {"set", id, "--state", "moved", "--site", "aws"});
    if (!saved_user.empty()) ::setenv("USER", saved_user.c_str(), 1);
    ASSERT_EQ(moved.exit_code, 0) << moved.err;
    EXPECT_NE(moved.out.find("moved to aws (version"), std::string::npos) << moved.out;
    ASSERT_TRUE(wait_until(2s, [&] { return get("/x", page_fields).status == 302; }));
    upstream_before = upstream_.requests_received();
    auto redirect = get("/reports/7?range=week", page_fields);
    EXPECT_EQ(redirect.status, 302);
    EXPECT_EQ(redirect.header("Location").value_or(""), "https://aws.test/reports/7?range=week");
    auto post = get("/form", page_fields, true, "POST");
    EXPECT_EQ(post.status, 307);
    EXPECT_EQ(post.header("Location").value_or(""), "https://aws.test/form");
    auto json = get("/api/widget?x=1", ajax_fields);
    EXPECT_EQ(json.status, 409);
    EXPECT_EQ(json.header("Gangway-Location").value_or(""), "https://aws.test/api/widget?x=1");
    auto answer = nlohmann::json::parse(json.body);
    EXPECT_EQ(answer["gangway"]["action"], "redirect");
    EXPECT_EQ(answer["gangway"]["location"], "https://aws.test/api/widget?x=1");
    EXPECT_EQ(answer["gangway"]["reason"], "moved");
    EXPECT_EQ(upstream_.requests_received(), upstream_before);

    // add, lock, unlock, lock, moved: one audit row each.
    EXPECT_EQ(site_.audit_rows(account_a), 5u);
    auto audit = site_.accounts(*gateway_, {"audit", id, "--json"});
    EXPECT_EQ(audit.exit_code, 0);
    EXPECT_NE(audit.out.find("moving to aws"), std::string::npos) << audit.out;
    EXPECT_NE(audit.out.find("\"to_state\":\"moved\""), std::string::npos) << audit.out;
    const passwd* me = ::getpwuid(::geteuid());
    ASSERT_NE(me, nullptr);
    const bool sudo = std::getenv("SUDO_USER") != nullptr;
    if (!sudo) {
        EXPECT_NE(audit.out.find(std::string("cli:") + me->pw_name + "@"), std::string::npos) << audit.out;
    }
}

TEST_F(Routing, GangwayServesItsClientScript) {
    auto js = get("/_gangway/client.js", "", false);
    EXPECT_EQ(js.status, 200);
    EXPECT_NE(js.header("Content-Type").value_or("").find("javascript"), std::string::npos);
    EXPECT_NE(js.body.find("GangwayClient"), std::string::npos);
}

// Issue 3, acceptance point 3: every kind of bad cookie is no session.
TEST_F(Routing, BadCookiesAreNoSession) {
    auto login_required = [&](const std::string& cookie_value) {
        auto r = fetch(transport::plain, gateway_->plain_port(), {},
                       simple_request("GET", "/private", std::string(page_fields) +
                                                              routed_site::cookie_field(cookie_value)));
        return r.status == 302 && r.header("Location").value_or("").rfind("/login?next=", 0) == 0;
    };
    const std::string good = site_.cookie(user_a, account_a, email_a);
    ASSERT_FALSE(login_required(good));
    std::string tampered = good;
    tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
    EXPECT_TRUE(login_required(tampered));
    EXPECT_TRUE(login_required(good.substr(0, good.size() - 5)));
    EXPECT_TRUE(login_required(""));
    EXPECT_TRUE(login_required(std::string(5000, 'A')));
    EXPECT_TRUE(login_required(site_.cookie(user_a, account_a, email_a, -10s)));           // expired
    EXPECT_TRUE(login_required(site_.cookie(user_a, account_a, email_a, 1h, "aws")));      // wrong site
    EXPECT_TRUE(login_required(site_.cookie(user_a, account_a, email_a, 1h, "legacy", true)));  // wrong key
}

TEST_F(Routing, RevokedSessionsAreNoSession) {
    const std::string value = site_.cookie(user_a, account_a, email_a);
    const std::string field = routed_site::cookie_field(value);
    auto status_with = [&] {
        return fetch(transport::plain, gateway_->plain_port(), {},
                     simple_request("GET", "/", std::string(page_fields) + field))
            .status;
    };
    ASSERT_EQ(status_with(), 200);
    site_.revoke(site_.session_id_of(value));
    EXPECT_TRUE(wait_until(2s, [&] { return status_with() == 302; }));
}

TEST_F(Routing, CookiesSealedWithARotatedOutKeyStillOpen) {
    const std::string old_cookie = routed_site::cookie_field(site_.cookie(user_a, account_a, email_a));
    site_.rotate_session_keys();
    gateway_->send_signal(SIGHUP);
    // A cookie sealed with the new key opens only once the reload has applied.
    const std::string new_cookie = routed_site::cookie_field(site_.cookie(user_a, account_a, email_a));
    ASSERT_TRUE(wait_until(5s, [&] {
        return fetch(transport::plain, gateway_->plain_port(), {},
                     simple_request("GET", "/", std::string(page_fields) + new_cookie)).status == 200;
    }));
    auto old_still = fetch(transport::plain, gateway_->plain_port(), {},
                           simple_request("GET", "/", std::string(page_fields) + old_cookie));
    EXPECT_EQ(old_still.status, 200);
}

TEST_F(Routing, AReloadCannotSwitchTheDatabaseOrTheSite) {
    auto changed = site_.settings({upstream_.port()});
    for (auto& line : changed.extra["database"])
        if (line.rfind("name = ", 0) == 0) line = "name = \"elsewhere\"";
    changed.extra["site"] = {"name = \"aws\""};
    gateway_->write_config(gateway_->config_text(changed));
    auto reload = gateway_->admin("POST", "/admin/v1/reload", true);
    EXPECT_EQ(reload.status, 422u);
    EXPECT_NE(reload.body.find("database: cannot change on reload"), std::string::npos) << reload.body;
    EXPECT_NE(reload.body.find("site.name: cannot change on reload"), std::string::npos) << reload.body;
    EXPECT_EQ(get("/", page_fields).status, 200);  // the old generation keeps routing
}

}  // namespace
}  // namespace gangway::integration
