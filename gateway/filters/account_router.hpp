#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/http/field.hpp>

#include "common/config/config.hpp"
#include "common/crypto/key_ring.hpp"
#include "common/http/local_reply.hpp"
#include "common/session/session.hpp"
#include "common/time/clock.hpp"
#include "gateway/filters/routing_decision.hpp"
#include "gateway/placement/placement_cache.hpp"
#include "gateway/placement/revoked_sessions.hpp"

namespace gangway {

// A Cookie header value without every pair named `name` ("a=1; b=2" minus b -> "a=1").
std::string without_cookie(std::string_view cookie_header, std::string_view name);

// The session last opened on one client connection, kept by the connection between its
// requests: a browser sends the same cookie on every request of a keep-alive connection, and
// with the memo only the first pays for base64 and AES-GCM. A memo is reused only by the
// router that filled it (a reload makes a new router, with its own keys and site), only for
// the same cookie bytes (compared in constant time: a front proxy may carry several users'
// requests on one connection), and expiry and revocation are checked again on every request.
struct session_memo {
    std::uint64_t router = 0;  // account_router::serial() of the router that opened it; 0: empty
    std::string sealed;        // the cookie value it was opened from
    std::shared_ptr<const session> opened;
};

// The request facts the filters look at; views into the parsed request, valid for one call.
struct request_facts {
    std::string_view method;
    std::string_view target;  // origin-form path and query
    std::string_view path;    // target without the query
    request_kind kind = request_kind::page;
    std::string_view cookie;  // the Cookie header, empty when absent
    std::string_view request_id;
    session_memo* memo = nullptr;  // the connection's, when it keeps one
};

// What to do with one request. `respond` carries the whole answer; `proxy` forwards upstream,
// with identity headers when `who` is set (and holding the account's in-flight count).
struct route_outcome {
    enum class verdict { proxy, respond } what = verdict::proxy;
    std::string_view reason = "proxied";  // metrics and access log
    std::optional<string_response> answer;
    std::shared_ptr<const session> who;
    inflight_guard inflight;
};

// Per-account routing: the ordered filter chain every request passes on a gateway with a
// database. Each filter either answers or lets the request go on:
//   1. gangway's own paths  (/_gangway/client.js, /_gangway/status)
//   2. sign-up paths        -> redirect to the sign-up site (or proxy, when that is us)
//   3. public paths         -> proxy without identity
//   4. session              -> open the cookie; expired, tampered, wrong-site, revoked = none
//   5. placement            -> decide_route(): proxy with identity, or the table's answer
// Thread-safe; no I/O, no locks on the request path.
class account_router {
public:
    account_router(config_ptr cfg, std::shared_ptr<const key_ring> session_keys,
                   std::shared_ptr<const key_ring> assertion_keys, const clock& wall_clock,
                   placement_cache& cache, revoked_sessions& revoked, inflight_counters& inflight);

    route_outcome route(const request_facts& request) const;

    // Identity headers for the upstream: user id, account id, email, and the signed
    // assertion over them (names from identity.header_names, in that order).
    template <class Head>
    void add_identity(Head& head, const session& who, std::string_view request_id) const {
        const auto& names = cfg_->identity.header_names;
        if (names.size() > 0) head.set(names[0], std::to_string(who.user_id));
        if (names.size() > 1) head.set(names[1], std::to_string(who.account_id));
        if (names.size() > 2) head.set(names[2], who.email);
        if (names.size() > 3) {
            // Signed into a buffer per thread that keeps its room: `head` copies the value.
            thread_local std::string assertion;
            assertion_for(who, request_id, assertion);
            head.set(names[3], std::string_view(assertion));
        }
    }

    // The session cookie is the gateway's: the upstream gets the Cookie header without it
    // (and no Cookie header when nothing else is left).
    template <class Head>
    void remove_session_cookie(Head& head) const {
        const auto cookie = head[boost::beast::http::field::cookie];
        if (cookie.empty()) return;
        std::string rest = without_cookie(cookie, cfg_->session.cookie_name);
        if (rest.empty()) head.erase(boost::beast::http::field::cookie);
        else if (rest.size() != cookie.size()) head.set(boost::beast::http::field::cookie, rest);
    }

    const placement_cache& cache() const noexcept { return cache_; }
    // Unique among the routers of this process, never 0 (session_memo::router).
    std::uint64_t serial() const noexcept { return serial_; }

private:
    std::optional<route_outcome> own_paths(const request_facts& r) const;
    std::optional<route_outcome> signup(const request_facts& r) const;
    std::shared_ptr<const session> open_session(std::string_view cookie, session_memo* memo) const;
    route_outcome by_placement(const request_facts& r, std::shared_ptr<const session> who) const;
    void assertion_for(const session& who, std::string_view request_id, std::string& out) const;
    cache_health health() const noexcept;

    config_ptr cfg_;
    std::shared_ptr<const key_ring> assertion_keys_;
    const clock& clock_;
    session_codec codec_;
    placement_cache& cache_;
    revoked_sessions& revoked_;
    inflight_counters& inflight_;
    std::uint64_t serial_;
};

}  // namespace gangway
