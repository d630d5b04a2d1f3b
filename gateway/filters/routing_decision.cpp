#include "gateway/filters/routing_decision.hpp"

namespace gangway {
namespace {

bool is_unreserved(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
}

std::string percent_encode(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size() * 3 / 2);
    for (char c : s) {
        if (is_unreserved(c)) {
            out += c;
        } else {
            auto b = static_cast<unsigned char>(c);
            out += '%';
            out += hex[b >> 4];
            out += hex[b & 15];
        }
    }
    return out;
}

routing_decision login(const routing_input& in, std::string_view login_path) {
    if (in.kind == request_kind::ajax)
        return {route_action::login_json, 401, "login_required_ajax",
                login_location(login_path, in.target)};
    return {route_action::login_page, 302, "login_required_page",
            login_location(login_path, in.target)};
}

routing_decision moved(const routing_input& in, const sites_config& sites) {
    const site_entry* to = sites.find(in.placement_site);
    if (!to || to->name == sites.self) return {route_action::unavailable, 503, "placement_inconsistent", {}};
    // GET pages and AJAX (which client.js turns into a navigation) can take the session with
    // them; a form POST keeps its method on a 307 to the destination instead.
    const bool transfer = in.session_transfer && !to->peer_url.empty() &&
                          (in.safe_method || in.kind == request_kind::ajax);
    std::string location = transfer ? login_location(transfer_path, in.target)
                                    : to->origin + std::string(in.target);
    if (in.kind == request_kind::ajax)
        return {route_action::redirect_json, 409, "moved_ajax", std::move(location)};
    return {route_action::redirect_page, in.safe_method ? 302u : 307u, "moved_page",
            std::move(location)};
}

}  // namespace

std::string login_location(std::string_view login_path, std::string_view target) {
    // "//host/x" is a valid origin-form path but a network-path reference as a URL: one
    // leading slash only, so next can never name another host.
    while (target.size() > 1 && target[0] == '/' && target[1] == '/') target.remove_prefix(1);
    return std::string(login_path) + "?next=" + percent_encode(target);
}

routing_decision decide_route(const routing_input& in, const sites_config& sites,
                              std::string_view login_path) {
    if (!in.has_session) return login(in, login_path);
    if (in.health == cache_health::expired)
        return {route_action::unavailable, 503, "placement_unavailable", {}};
    switch (in.placement) {
        case placement_lookup::active:
            return {route_action::proxy, 0, "proxied", {}};
        case placement_lookup::locked:
            if (in.kind == request_kind::ajax) return {route_action::lock_json, 503, "locked_ajax", {}};
            return {route_action::lock_page, 503, "locked_page", {}};
        case placement_lookup::moved:
            return moved(in, sites);
        case placement_lookup::unknown:
            break;
    }
    return {route_action::unavailable, 503,
            in.health == cache_health::fresh ? "account_unknown" : "placement_unavailable", {}};
}

std::string_view route_action_name(route_action a) noexcept {
    switch (a) {
        case route_action::proxy: return "proxy";
        case route_action::lock_page: return "lock_page";
        case route_action::lock_json: return "lock_json";
        case route_action::redirect_page: return "redirect_page";
        case route_action::redirect_json: return "redirect_json";
        case route_action::login_page: return "login_page";
        case route_action::login_json: return "login_json";
        case route_action::unavailable: return "unavailable";
    }
    return "unknown";
}

}  // namespace gangway
