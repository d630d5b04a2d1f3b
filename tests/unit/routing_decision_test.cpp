#include "gateway/filters/routing_decision.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace gangway {
namespace {

sites_config two_sites() {
    sites_config s;
    s.self = "legacy";
    s.entries = {{"legacy", "https://app.example.com", ""},
                 {"aws", "https://eu2.example.com", "https://10.0.0.5:8443"}};
    return s;
}

constexpr auto page = request_kind::page;
constexpr auto ajax = request_kind::ajax;
using pl = placement_lookup;
using ch = cache_health;
using ra = route_action;

struct row {
    bool session;
    pl placement;
    const char* site;
    ch health;
    request_kind kind;
    bool safe;
    ra action;
    unsigned status;
    const char* reason;
    const char* location;
};

// PRODUCT.md's routing table, one row per cell, plus the fail-closed rows of the issue.
const std::vector<row> table = {
    // no session: login, whatever the placement and cache
    {false, pl::active, "", ch::fresh, page, true, ra::login_page, 302, "login_required_page",
     "/login?next=/reports/7%3Fq%3Da%2520b"},
    {false, pl::unknown, "", ch::expired, page, false, ra::login_page, 302,
     "login_required_page", "/login?next=/reports/7%3Fq%3Da%2520b"},
    {false, pl::locked, "", ch::fresh, ajax, true, ra::login_json, 401, "login_required_ajax",
     "/login?next=/reports/7%3Fq%3Da%2520b"},
    // active: proxied, also from a stale cache; never from an expired one
    {true, pl::active, "legacy", ch::fresh, page, true, ra::proxy, 0, "proxied", ""},
    {true, pl::active, "legacy", ch::fresh, ajax, false, ra::proxy, 0, "proxied", ""},
    {true, pl::active, "legacy", ch::stale, page, true, ra::proxy, 0, "proxied", ""},
    {true, pl::active, "legacy", ch::expired, page, true, ra::unavailable, 503,
     "placement_unavailable", ""},
    // locked: lock page or JSON wait, stale or fresh
    {true, pl::locked, "legacy", ch::fresh, page, true, ra::lock_page, 503, "locked_page", ""},
    {true, pl::locked, "legacy", ch::fresh, page, false, ra::lock_page, 503, "locked_page", ""},
    {true, pl::locked, "legacy", ch::stale, ajax, true, ra::lock_json, 503, "locked_ajax", ""},
    // moved: same path and query on the other origin; 307 keeps a non-GET method
    {true, pl::moved, "aws", ch::fresh, page, true, ra::redirect_page, 302, "moved_page",
     "https://eu2.example.com/reports/7?q=a%20b"},
    {true, pl::moved, "aws", ch::fresh, page, false, ra::redirect_page, 307, "moved_page",
     "https://eu2.example.com/reports/7?q=a%20b"},
    {true, pl::moved, "aws", ch::stale, ajax, false, ra::redirect_json, 409, "moved_ajax",
     "https://eu2.example.com/reports/7?q=a%20b"},
    // moved to a site the config does not know, or to ourselves: fail closed
    {true, pl::moved, "gcp", ch::fresh, page, true, ra::unavailable, 503,
     "placement_inconsistent", ""},
    {true, pl::moved, "legacy", ch::fresh, ajax, true, ra::unavailable, 503,
     "placement_inconsistent", ""},
    // unknown account: fail closed
    {true, pl::unknown, "", ch::fresh, page, true, ra::unavailable, 503, "account_unknown", ""},
    {true, pl::unknown, "", ch::stale, ajax, true, ra::unavailable, 503, "placement_unavailable",
     ""},
};

TEST(RoutingDecision, FollowsTheRoutingTable) {
    const sites_config sites = two_sites();
    for (std::size_t i = 0; i < table.size(); ++i) {
        const row& r = table[i];
        routing_input in;
        in.has_session = r.session;
        in.placement = r.placement;
        in.placement_site = r.site;
        in.health = r.health;
        in.kind = r.kind;
        in.safe_method = r.safe;
        in.target = "/reports/7?q=a%20b";
        const routing_decision d = decide_route(in, sites, "/login");
        SCOPED_TRACE("row " + std::to_string(i));
        EXPECT_EQ(route_action_name(d.action), route_action_name(r.action));
        EXPECT_EQ(d.status, r.status);
        EXPECT_EQ(d.reason, r.reason);
        EXPECT_EQ(d.location, r.location);
    }
}

TEST(RoutingDecision, MovedSessionsAreHandedOverThroughTheTransferPath) {
    sites_config sites = two_sites();
    routing_input in;
    in.has_session = true;
    in.placement = pl::moved;
    in.placement_site = "aws";
    in.target = "/reports/7?q=1";
    in.session_transfer = true;
    EXPECT_EQ(decide_route(in, sites, "/login").location, "/_gangway/transfer?next=/reports/7%3Fq%3D1");
    in.kind = ajax;
    in.safe_method = false;
    const auto json = decide_route(in, sites, "/login");
    EXPECT_EQ(json.status, 409u);
    EXPECT_EQ(json.location, "/_gangway/transfer?next=/reports/7%3Fq%3D1");
    in.kind = page;  // a form POST keeps its method: straight to the destination
    EXPECT_EQ(decide_route(in, sites, "/login").location, "https://eu2.example.com/reports/7?q=1");
    in.safe_method = true;
    sites.entries[1].peer_url.clear();  // no peer to hand over to
    EXPECT_EQ(decide_route(in, sites, "/login").location, "https://eu2.example.com/reports/7?q=1");
}

TEST(RoutingDecision, LoginNextIsPercentEncodedSoItStaysOneParameter) {
    EXPECT_EQ(login_location("/login", "/a?next=//evil.example&x=1#f"),
              "/login?next=/a%3Fnext%3D//evil.example%26x%3D1%23f");
    EXPECT_EQ(login_location("/signin", "/"), "/signin?next=/");
    EXPECT_EQ(login_location("/login", "///evil.example/x"), "/login?next=/evil.example/x");
    EXPECT_EQ(login_location("/login", "/\\evil.example"), "/login?next=/%5Cevil.example");
}

}  // namespace
}  // namespace gangway
