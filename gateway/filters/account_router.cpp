#include "gateway/filters/account_router.hpp"

#include <atomic>
#include <chrono>

#include <cstring>

#include "common/crypto/identity_assertion.hpp"
#include "common/session/session_cookie.hpp"
#include "gateway/filters/routing_answer.hpp"

namespace gangway {
namespace {

constexpr std::string_view client_js_path = "/_gangway/client.js";
constexpr std::string_view status_path = "/_gangway/status";

bool starts_with_any(std::string_view path, const std::vector<std::string>& prefixes) {
    for (const auto& p : prefixes)
        if (path.substr(0, p.size()) == p) return true;
    return false;
}

route_outcome respond(string_response answer, std::string_view reason) {
    route_outcome out;
    out.what = route_outcome::verdict::respond;
    out.reason = reason;
    out.answer = std::move(answer);
    return out;
}

// Equality of two byte strings without an early exit, eight bytes at a time (CRYPTO_memcmp
// goes a byte at a time: about 0.8% of an authenticated request's CPU for a 190-byte cookie).
bool same_bytes(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    std::uint64_t diff = 0;
    std::size_t i = 0;
    for (; i + 8 <= a.size(); i += 8) {
        std::uint64_t x, y;
        std::memcpy(&x, a.data() + i, 8);
        std::memcpy(&y, b.data() + i, 8);
        diff |= x ^ y;
    }
    for (; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

std::string_view state_name(placement_lookup s) {
    switch (s) {
        case placement_lookup::active: return "active";
        case placement_lookup::locked: return "locked";
        case placement_lookup::moved: return "moved";
        case placement_lookup::unknown: break;
    }
    return "unavailable";
}

}  // namespace

std::string without_cookie(std::string_view cookie_header, std::string_view name) {
    std::string out;
    while (!cookie_header.empty()) {
        const auto semi = cookie_header.find(';');
        std::string_view pair = cookie_header.substr(0, semi);
        while (!pair.empty() && (pair.front() == ' ' || pair.front() == '\t')) pair.remove_prefix(1);
        while (!pair.empty() && (pair.back() == ' ' || pair.back() == '\t')) pair.remove_suffix(1);
        const auto eq = pair.find('=');
        if (!pair.empty() && pair.substr(0, eq) != name) {
            if (!out.empty()) out += "; ";
            out += pair;
        }
        if (semi == std::string_view::npos) break;
        cookie_header.remove_prefix(semi + 1);
    }
    return out;
}

account_router::account_router(config_ptr cfg, std::shared_ptr<const key_ring> session_keys,
                               std::shared_ptr<const key_ring> assertion_keys,
                               const clock& wall_clock, placement_cache& cache,
                               revoked_sessions& revoked, inflight_counters& inflight)
    : cfg_(std::move(cfg)),
      assertion_keys_(std::move(assertion_keys)),
      clock_(wall_clock),
      codec_(std::move(session_keys), wall_clock, cfg_->sites.self),
      cache_(cache),
      revoked_(revoked),
      inflight_(inflight),
      serial_([] {
          static std::atomic<std::uint64_t> next{1};
          return next.fetch_add(1, std::memory_order_relaxed);
      }()) {}

route_outcome account_router::route(const request_facts& r) const {
    if (auto answered = own_paths(r)) return std::move(*answered);
    if (auto answered = signup(r)) return std::move(*answered);
    if (starts_with_any(r.path, cfg_->routing.public_prefixes) || r.path == cfg_->routing.login_path)
        return route_outcome{};
    return by_placement(r, open_session(r.cookie, r.memo));
}

std::optional<route_outcome> account_router::own_paths(const request_facts& r) const {
    if (r.path == client_js_path) return respond(client_script_answer(), "client_script");
    if (r.path != status_path) return std::nullopt;
    const unsigned retry = cfg_->placement.lock_retry_after_s;
    const auto who = open_session(r.cookie, r.memo);
    if (!who) return respond(status_answer("none", retry, ""), "status");
    const auto entry = cache_.find(who->account_id);
    if (!entry || health() == cache_health::expired)
        return respond(status_answer("unavailable", retry, ""), "status");
    std::string location;
    if (entry->state == placement_lookup::moved) {
        if (const site_entry* to = cfg_->sites.find(entry->site)) location = to->origin + "/";
    }
    return respond(status_answer(state_name(entry->state), retry, location), "status");
}

std::optional<route_outcome> account_router::signup(const request_facts& r) const {
    if (!starts_with_any(r.path, cfg_->routing.signup_prefixes)) return std::nullopt;
    const std::string& to = cfg_->sites.signup_site;
    if (to.empty() || to == cfg_->sites.self) return route_outcome{};
    const site_entry* site = cfg_->sites.find(to);
    if (!site) return std::nullopt;
    routing_decision d{route_action::redirect_page, 302, "signup_redirect", site->origin + std::string(r.target)};
    return respond(routing_answer(d, request_kind::page, 0), "signup_redirect");
}

std::shared_ptr<const session> account_router::open_session(std::string_view cookie,
                                                            session_memo* memo) const {
    if (cookie.empty()) return nullptr;
    const auto value = find_cookie(cookie, cfg_->session.cookie_name);
    if (!value) return nullptr;
    std::shared_ptr<const session> opened;
    if (memo && memo->router == serial_ && same_bytes(memo->sealed, *value)) {
        if (!codec_.live(*memo->opened)) return nullptr;
        opened = memo->opened;
    } else {
        auto fresh = codec_.open(*value);
        if (!fresh) return nullptr;
        opened = std::make_shared<const session>(std::move(*fresh));
        if (memo) {
            memo->router = serial_;
            memo->sealed.assign(*value);
            memo->opened = opened;
        }
    }
    if (revoked_.contains(opened->session_id)) return nullptr;
    return opened;
}

cache_health account_router::health() const noexcept {
    const auto& p = cfg_->placement;
    // Coarse: the bounds are seconds, and this runs on every authenticated request.
    return cache_.health(coarse_steady_now(), fresh_bound(p.refresh_interval),
                         p.stale_serve);
}

route_outcome account_router::by_placement(const request_facts& r,
                                           std::shared_ptr<const session> who) const {
    inflight_guard inflight;
    routing_input in;
    in.has_session = who != nullptr;
    in.kind = r.kind;
    in.safe_method = r.method == "GET" || r.method == "HEAD";
    in.target = r.target;
    in.session_transfer = true;  // a gateway with a database runs the login flow
    if (who) {
        // Counted before the lookup, and fenced, so that the refresher's heartbeat either sees
        // this request in flight or this lookup sees the lock (placement_refresher::heartbeat).
        inflight = inflight_guard(inflight_, who->account_id);
        std::atomic_thread_fence(std::memory_order_seq_cst);
        in.health = health();
        if (const auto entry = cache_.find(who->account_id)) {
            in.placement = entry->state;
            in.placement_site = entry->site;
        }
    }
    const routing_decision d = decide_route(in, cfg_->sites, cfg_->routing.login_path);
    if (d.action != route_action::proxy)
        return respond(routing_answer(d, r.kind, cfg_->placement.lock_retry_after_s, r.request_id),
                       d.reason);
    route_outcome out;
    out.reason = d.reason;
    out.who = std::move(who);
    out.inflight = std::move(inflight);
    return out;
}

void account_router::assertion_for(const session& who, std::string_view request_id,
                                   std::string& out) const {
    sign_identity_assertion(*assertion_keys_,
                            identity_view{who.user_id, who.account_id, who.email, who.site, request_id},
                            clock_.now(), out);
}

}  // namespace gangway
