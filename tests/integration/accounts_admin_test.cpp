// The admin API over placement, the routing metrics, and connections closed on a placement
// change (issue 3: ops and metrics).
#include <chrono>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/integration/support/fake_upstream.hpp"
#include "tests/integration/support/gateway_process.hpp"
#include "tests/integration/support/raw_client.hpp"
#include "tests/integration/support/routed_site.hpp"

namespace gangway::integration {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

class AccountsAdmin : public ::testing::Test {
protected:
    void SetUp() override {
        gateway_ = std::make_unique<gateway_process>(site_.settings({upstream_.port()}));
        ASSERT_TRUE(wait_ready(*gateway_)) << gateway_->stderr_text();
    }

    http_response admin(std::string_view method, std::string_view path, std::string_view body = {},
                        bool with_token = true) {
        std::string fields = "Content-Type: application/json\r\nConnection: close\r\n";
        if (with_token) fields += "Authorization: Bearer " + gateway_->admin_token() + "\r\n";
        return fetch(transport::plain, gateway_->admin_port(), {},
                     simple_request(method, path, fields, body));
    }

    http_response page(std::uint64_t account) {
        return fetch(transport::plain, gateway_->plain_port(), {},
                     simple_request("GET", "/", "Accept: text/html\r\n" +
                                                    routed_site::cookie_field(site_.cookie(1, account, "a@b.c"))));
    }

    routed_site site_;
    fake_upstream upstream_;
    std::unique_ptr<gateway_process> gateway_;
};

TEST_F(AccountsAdmin, PutCreatesThenCompareAndSetsAndEveryChangeIsAudited) {
    auto created = admin("PUT", "/admin/v1/accounts/77", R"({"state":"active","site":"legacy","reason":"new customer"})");
    ASSERT_EQ(created.status, 200) << created.body;
    const auto v1 = json::parse(created.body)["placement"]["version"].get<std::uint64_t>();

    auto again = admin("PUT", "/admin/v1/accounts/77", R"({"state":"active","site":"legacy"})");
    EXPECT_EQ(again.status, 409) << again.body;  // exists: creating again is a conflict

    auto stale = admin("PUT", "/admin/v1/accounts/77",
                       R"({"state":"locked","site":"legacy","expected_version":)" + std::to_string(v1 + 100) + "}");
    EXPECT_EQ(stale.status, 409) << stale.body;
    EXPECT_EQ(site_.placement_of(77)->state, "active");

    auto locked = admin("PUT", "/admin/v1/accounts/77",
                        R"({"state":"locked","site":"legacy","reason":"move","expected_version":)" + std::to_string(v1) + "}");
    ASSERT_EQ(locked.status, 200) << locked.body;
    EXPECT_EQ(json::parse(locked.body)["placement"]["state"], "locked");
    EXPECT_EQ(page(77).status, 503);  // the fence held before the answer

    auto got = admin("GET", "/admin/v1/accounts/77");
    ASSERT_EQ(got.status, 200);
    EXPECT_EQ(json::parse(got.body)["state"], "locked");
    EXPECT_EQ(admin("GET", "/admin/v1/accounts/78").status, 404);
    EXPECT_EQ(admin("GET", "/admin/v1/accounts/x78").status, 400);

    auto audit = admin("GET", "/admin/v1/audit?account=77");
    ASSERT_EQ(audit.status, 200);
    const auto rows = json::parse(audit.body)["audit"];
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0]["to_state"], "active");
    EXPECT_EQ(rows[1]["from_state"], "active");
    EXPECT_EQ(rows[1]["to_state"], "locked");
    EXPECT_EQ(rows[1]["reason"], "move");
}

TEST_F(AccountsAdmin, ListsBySiteAndStateWithKeysetPages) {
    for (int id = 1; id <= 5; ++id)
        ASSERT_EQ(admin("PUT", "/admin/v1/accounts/" + std::to_string(id), R"({"state":"active","site":"legacy"})").status, 200);
    ASSERT_EQ(admin("PUT", "/admin/v1/accounts/9", R"({"state":"moved","site":"aws"})").status, 200);
    auto first = json::parse(admin("GET", "/admin/v1/accounts?site=legacy&state=active&limit=3").body);
    ASSERT_EQ(first["accounts"].size(), 3u);
    EXPECT_EQ(first["next_after"], 3);
    auto second = json::parse(admin("GET", "/admin/v1/accounts?site=legacy&state=active&limit=3&after=3").body);
    ASSERT_EQ(second["accounts"].size(), 2u);
    EXPECT_EQ(second["accounts"][1]["account_id"], 5);
    EXPECT_TRUE(second["next_after"].is_null());
    auto moved = json::parse(admin("GET", "/admin/v1/accounts?state=moved").body);
    ASSERT_EQ(moved["accounts"].size(), 1u);
    EXPECT_EQ(moved["accounts"][0]["site"], "aws");
}

TEST_F(AccountsAdmin, BadInputIsA400AndNeedsTheToken) {
    EXPECT_EQ(admin("GET", "/admin/v1/accounts/1", {}, false).status, 401);
    EXPECT_EQ(admin("PUT", "/admin/v1/accounts/1", R"({"state":"active","site":"legacy"})", false).status, 401);
    EXPECT_EQ(admin("PUT", "/admin/v1/accounts/1", "not json").status, 400);
    EXPECT_EQ(admin("PUT", "/admin/v1/accounts/1", R"({"state":"gone","site":"legacy"})").status, 400);
    EXPECT_EQ(admin("PUT", "/admin/v1/accounts/1", R"({"state":"active"})").status, 400);
    EXPECT_EQ(admin("PUT", "/admin/v1/accounts/1", R"({"state":"active","site":"legacy","expected_version":-1})").status, 400);
    EXPECT_EQ(admin("PUT", "/admin/v1/accounts/99999999999999999999999", R"({"state":"active","site":"legacy"})").status, 400);
    EXPECT_EQ(admin("GET", "/admin/v1/accounts?limit=0").status, 400);
    EXPECT_EQ(admin("GET", "/admin/v1/accounts?state=sideways").status, 400);
    EXPECT_EQ(admin("GET", "/admin/v1/accounts/1/extra").status, 404);
    EXPECT_FALSE(site_.placement_of(1).has_value());  // nothing was written by any of these
}

TEST_F(AccountsAdmin, MetricsCountRoutingOutcomesAndShowTheCache) {
    ASSERT_EQ(admin("PUT", "/admin/v1/accounts/5", R"({"state":"active","site":"legacy"})").status, 200);
    ASSERT_TRUE(wait_until(2s, [&] { return page(5).status == 200; }));
    EXPECT_EQ(page(6).status, 503);  // unknown account
    auto metrics = gateway_->admin("GET", "/metrics", true).body;
    EXPECT_NE(metrics.find(R"(reason="proxied")"), std::string::npos);
    EXPECT_NE(metrics.find(R"(reason="account_unknown")"), std::string::npos);
    EXPECT_NE(metrics.find(R"(gangway_placement_cache{measure="accounts"} 1)"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find(R"(gangway_placement_cache{measure="age_ms"})"), std::string::npos);
    EXPECT_NE(metrics.find(R"(gangway_placement_cache{measure="database_reachable"} 1)"), std::string::npos);
}

TEST_F(AccountsAdmin, APlacementChangeClosesTheAccountsIdleKeepAliveConnection) {
    ASSERT_EQ(admin("PUT", "/admin/v1/accounts/8", R"({"state":"active","site":"legacy"})").status, 200);
    ASSERT_TRUE(wait_until(2s, [&] { return page(8).status == 200; }));
    raw_client idle(transport::plain, gateway_->plain_port());
    idle.send(simple_request("GET", "/", "Accept: text/html\r\n" + routed_site::cookie_field(site_.cookie(1, 8, "a@b.c"))));
    ASSERT_EQ(idle.read_response().status, 200);
    raw_client other(transport::plain, gateway_->plain_port());  // another account's connection
    other.send(simple_request("GET", "/", "Accept: text/html\r\n"));
    ASSERT_EQ(other.read_response().status, 302);

    auto current = site_.placement_of(8);
    ASSERT_EQ(admin("PUT", "/admin/v1/accounts/8",
                    R"({"state":"locked","site":"legacy","expected_version":)" + std::to_string(current->version) + "}").status, 200);
    EXPECT_TRUE(idle.closed_by_peer(3s));
    EXPECT_FALSE(other.closed_by_peer(300ms));
}

// A WebSocket of an account holds a request in flight for as long as it is open; locking the
// account closes it, which is what lets the fence hold.
TEST(AccountsAdminWebSocket, LockingAnAccountClosesItsWebSocketAndTheFenceThenHolds) {
    routed_site site;
    fake_upstream upstream;
    auto settings = site.settings({upstream.port()});
    settings.websocket_paths = {"/ws"};
    gateway_process gateway(settings);
    ASSERT_TRUE(wait_ready(gateway)) << gateway.stderr_text();
    ASSERT_EQ(site.accounts(gateway, {"add", "12"}).exit_code, 0);
    const std::string cookie = routed_site::cookie_field(site.cookie(1, 12, "ws@example.com"));
    ASSERT_TRUE(wait_until(2s, [&] {
        return fetch(transport::plain, gateway.plain_port(), {},
                     simple_request("GET", "/", "Accept: text/html\r\n" + cookie)).status == 200;
    }));
    raw_client ws(transport::plain, gateway.plain_port());
    ws.send(simple_request("GET", "/ws",
                           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                           "Sec-WebSocket-Version: 13\r\n" + cookie));
    ASSERT_EQ(ws.read_response({}, true).status, 101);

    auto locked = site.accounts(gateway, {"lock", "12", "--timeout-ms", "10000"});
    EXPECT_EQ(locked.exit_code, 0) << locked.err;
    EXPECT_TRUE(ws.closed_by_peer(3s));
}

}  // namespace
}  // namespace gangway::integration
