#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/config/config.hpp"
#include "common/http/request_kind.hpp"

namespace gangway {

// What this gateway's placement cache says about the account of an authenticated request.
enum class placement_lookup { active, locked, moved, unknown };

// How much the cache can be trusted right now.
enum class cache_health {
    fresh,    // refreshed within the configured bound
    stale,    // the database is unreachable; known answers may still be used (stale_serve_ms)
    expired,  // unreachable for longer than stale_serve_ms, or never loaded: fail closed
};

enum class route_action {
    proxy,          // forward upstream with identity headers
    lock_page,      // 503 lock page (Retry-After), page polls /_gangway/status
    lock_json,      // 503 + Retry-After + {"gangway":{"action":"wait",...}}
    redirect_page,  // 302 (GET/HEAD) or 307 to the same path and query on the other origin
    redirect_json,  // 409 + Gangway-Location + {"gangway":{"action":"redirect",...}}
    login_page,     // 302 to the login path with next
    login_json,     // 401 + {"gangway":{"action":"login",...}}
    unavailable,    // 503: placement cannot be trusted or the account is unknown (fail closed)
};

struct routing_input {
    bool has_session = false;
    placement_lookup placement = placement_lookup::unknown;
    std::string_view placement_site;  // destination when moved
    cache_health health = cache_health::fresh;
    request_kind kind = request_kind::page;
    bool safe_method = true;  // GET or HEAD
    std::string_view target;  // origin-form path and query, already validated
    // Moved accounts with a session go through this site's /_gangway/transfer (the login
    // flow), which hands the session over to the destination, when it has a peer_url. Off:
    // a plain redirect to the destination's origin, where the user logs in again.
    bool session_transfer = false;
};

struct routing_decision {
    route_action action = route_action::unavailable;
    unsigned status = 503;
    std::string_view reason;  // the metrics and access-log reason
    std::string location;     // redirects and login answers; empty otherwise
};

// PRODUCT.md's routing table for one authenticated-path request, decided once, after the
// session was opened and the placement looked up. Pure: no I/O, no clock.
//   no session            -> login (page: 302 to login_path?next=target; AJAX: 401 JSON)
//   cache expired         -> 503 (fail closed), whatever the placement
//   active                -> proxy (also from a stale cache: known active accounts keep working)
//   locked                -> lock page / JSON wait
//   moved to a known site -> same path and query on that site's origin (302/307, or 409 JSON)
//   unknown, or moved to a site the config does not name -> 503 (fail closed)
routing_decision decide_route(const routing_input& in, const sites_config& sites,
                              std::string_view login_path);

// "/login?next=<target, percent-encoded>": the target is an origin-form path and query that
// the head check already validated, so it can only point at this origin.
std::string login_location(std::string_view login_path, std::string_view target);

// Where a moved account's session is handed over to its new site (login_endpoints).
inline constexpr std::string_view transfer_path = "/_gangway/transfer";

std::string_view route_action_name(route_action a) noexcept;

}  // namespace gangway
