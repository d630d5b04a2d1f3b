#include "gateway/proxy/upstream_request.hpp"

#include <array>
#include <random>
#include <vector>

#include <boost/beast/http/field.hpp>

#include "common/http/field_text.hpp"

namespace gangway {
namespace http = boost::beast::http;
namespace {

// RFC 9110 7.6.1 plus the legacy ones proxies still see.
constexpr std::array hop_by_hop{
    http::field::connection,        http::field::keep_alive,
    http::field::proxy_connection,  http::field::te,
    http::field::trailer,           http::field::transfer_encoding,
    http::field::upgrade,           http::field::proxy_authenticate,
    http::field::proxy_authorization, http::field::content_length,
};

// Field names listed in every Connection header (RFC 9110 7.6.1), copied out because erasing
// fields invalidates views into them.
template <bool IsRequest>
std::vector<std::string> connection_options(const http::header<IsRequest>& head) {
    std::vector<std::string> names;
    auto [first, last] = head.equal_range(http::field::connection);
    for (auto it = first; it != last; ++it)
        for_each_list_element(it->value(), [&](std::string_view name) { names.emplace_back(name); });
    return names;
}

template <bool IsRequest>
void strip_hop_by_hop(http::header<IsRequest>& head) {
    for (const auto& name : connection_options(head)) head.erase(name);
    for (auto f : hop_by_hop) head.erase(f);
}

}  // namespace

void rebuild_upstream_request(request_head& head, const forwarding_facts& facts,
                              const identity_config& identity) {
    std::string host{head[http::field::host]};
    strip_hop_by_hop(head);
    head.erase(http::field::expect);
    for (const auto& name : identity.header_names) head.erase(name);
    head.erase(http::field::forwarded);
    for (auto name : {"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Real-IP",
                      "X-Request-Id"})
        head.erase(name);

    head.version(11);
    head.set("X-Forwarded-For", facts.client_ip);
    head.set("X-Forwarded-Proto", facts.tls ? "https" : "http");
    if (!host.empty()) head.set("X-Forwarded-Host", host);
    head.set("X-Request-Id", facts.request_id);
    if (facts.keep_upgrade) {
        head.set(http::field::connection, "upgrade");
        head.set(http::field::upgrade, "websocket");
    }
}

void rebuild_client_response(response_head& head, bool keep_upgrade) {
    std::string upgrade{head[http::field::upgrade]};
    strip_hop_by_hop(head);
    if (keep_upgrade) {
        head.set(http::field::connection, "upgrade");
        head.set(http::field::upgrade, upgrade.empty() ? std::string("websocket") : upgrade);
    }
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
