#include "gateway/proxy/upstream_request.hpp"

#include <array>
#include <random>
#include <vector>

#include <boost/beast/http/field.hpp>

#include "common/http/field_text.hpp"

namespace gangway {
namespace http = boost::beast::http;
namespace {

// RFC 9110 7.6.1 plus the legacy ones proxies still see; Content-Length goes too, because the
// caller sets fresh framing.
bool hop_by_hop(http::field f) noexcept {
    switch (f) {
        case http::field::connection:
        case http::field::keep_alive:
        case http::field::proxy_connection:
        case http::field::te:
        case http::field::trailer:
        case http::field::transfer_encoding:
        case http::field::upgrade:
        case http::field::proxy_authenticate:
        case http::field::proxy_authorization:
        case http::field::content_length:
            return true;
        default:
            return false;
    }
}

// Field names listed in the Connection headers (RFC 9110 7.6.1), copied out because erasing
// fields invalidates views into them. "close" and "keep-alive" name no field we keep, so the
// usual case allocates nothing.
template <bool IsRequest, class Fields>
std::vector<std::string> connection_options(const http::header<IsRequest, Fields>& head) {
    std::vector<std::string> names;
    auto [first, last] = head.equal_range(http::field::connection);
    for (auto it = first; it != last; ++it)
        for_each_list_element(it->value(), [&](std::string_view name) {
            if (!iequals(name, "close") && !iequals(name, "keep-alive")) names.emplace_back(name);
        });
    return names;
}

bool named_in(std::string_view name, const std::vector<std::string>& names) noexcept {
    for (const auto& n : names)
        if (iequals(n, name)) return true;
    return false;
}

// One pass over the fields: erases hop-by-hop fields, fields named in Connection, and those
// `also_drop` picks.
template <bool IsRequest, class Fields, class Predicate>
void strip_fields(http::header<IsRequest, Fields>& head, Predicate also_drop) {
    auto options = connection_options(head);
    for (auto it = head.begin(); it != head.end();) {
        bool drop = hop_by_hop(it->name()) || also_drop(*it) ||
                    (!options.empty() && named_in(it->name_string(), options));
        it = drop ? head.erase(it) : std::next(it);
    }
}

// Fields only the gateway may set towards the upstream (besides the configured identity ones).
constexpr std::array<std::string_view, 5> gateway_set_fields{
    "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Real-IP", "X-Request-Id"};

template <class Fields>
void rebuild_request(http::request_header<Fields>& head, const forwarding_facts& facts,
                     const identity_config& identity) {
    std::string host{head[http::field::host]};
    strip_fields(head, [&](const auto& f) {
        if (f.name() == http::field::expect || f.name() == http::field::forwarded) return true;
        auto name = f.name_string();
        if (named_in(name, identity.header_names)) return true;
        if (f.name() != http::field::unknown) return false;  // all of gateway_set_fields are
        for (auto n : gateway_set_fields)
            if (iequals(n, name)) return true;
        return false;
    });

    head.version(11);
    head.insert("X-Forwarded-For", facts.client_ip);
    head.insert("X-Forwarded-Proto", facts.tls ? "https" : "http");
    if (!host.empty()) head.insert("X-Forwarded-Host", host);
    head.insert("X-Request-Id", facts.request_id);
    if (facts.keep_upgrade) {
        head.insert(http::field::connection, "upgrade");
        head.insert(http::field::upgrade, "websocket");
    }
}

template <class Fields>
void rebuild_response(http::response_header<Fields>& head, bool keep_upgrade) {
    std::string upgrade{keep_upgrade ? head[http::field::upgrade] : std::string_view{}};
    strip_fields(head, [](const auto&) { return false; });
    if (keep_upgrade) {
        head.insert(http::field::connection, "upgrade");
        head.insert(http::field::upgrade, upgrade.empty() ? std::string("websocket") : upgrade);
    }
}

}  // namespace

void rebuild_upstream_request(request_head& head, const forwarding_facts& facts,
                              const identity_config& identity) {
    rebuild_request(head, facts, identity);
}

void rebuild_upstream_request(arena_request_head& head, const forwarding_facts& facts,
                              const identity_config& identity) {
    rebuild_request(head, facts, identity);
}

void rebuild_client_response(response_head& head, bool keep_upgrade) {
    rebuild_response(head, keep_upgrade);
}

void rebuild_client_response(arena_response_head& head, bool keep_upgrade) {
    rebuild_response(head, keep_upgrade);
}

bool well_formed_request_id(std::string_view id) noexcept {
    if (id.empty() || id.size() > 128) return false;
    for (unsigned char c : id) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == ':' || c == '-';
        if (!ok) return false;
    }
    return true;
}

std::string new_request_id() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr char hex[] = "0123456789abcdef";
    std::string id(32, '0');
    for (int half = 0; half < 2; ++half) {
        auto bits = rng();
        for (int i = 0; i < 16; ++i, bits >>= 4) id[half * 16 + i] = hex[bits & 0xf];
    }
    return id;
}

}  // namespace gangway
