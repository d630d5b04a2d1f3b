#include "gateway/auth/csrf_token.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <cstdint>
#include <optional>
#include <stdexcept>

#include "common/crypto/base64url.hpp"
#include "common/time/clock.hpp"
#include "common/crypto/random_id.hpp"

namespace gangway {
namespace {

constexpr unsigned char token_version = 1;
constexpr std::size_t mac_bytes = 32;
// version, key id length, a 32-character key id, issued_at, MAC; as base64url.
constexpr std::size_t max_token_chars = (1 + 1 + 32 + 8 + mac_bytes) * 4 / 3 + 2;


// HMAC-SHA256(key, "csrf" 0x00 | head | prelogin id). The login form is shown and posted a few
// times per login, so a one-shot MAC (no per-thread keyed contexts) is cheap enough.
std::string mac(const key_ring::key& key, std::string_view head, std::string_view prelogin_id) {
    std::string input = "csrf";
    input += '\0';
    input += head;
    input += prelogin_id;
    unsigned char out[mac_bytes];
    std::size_t n = 0;
    if (!EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.bytes.data(), key.bytes.size(),
                   reinterpret_cast<const unsigned char*>(input.data()), input.size(), out,
                   sizeof out, &n) ||
        n != mac_bytes)
        throw std::runtime_error("HMAC-SHA256 failed");
    OPENSSL_cleanse(input.data(), input.size());
    return std::string(reinterpret_cast<const char*>(out), n);
}

// --- origins ---------------------------------------------------------------------------------

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_host_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

// "scheme://host[:port]" in canonical form (lowercase, default port dropped) for an http(s)
// URL or origin, or nullopt. With origin_only, nothing may follow the authority (an Origin
// header); otherwise a path, query or fragment may. Refuses userinfo, empty hosts, bad ports
// and any character a host cannot contain, so "https://app.example.com@evil.test" and
// "https://app.example.com.evil.test" never pass for app.example.com.
std::optional<std::string> canonical_origin(std::string_view url, bool origin_only) {
    std::string scheme;
    for (std::string_view s : {"https://", "http://"}) {
        if (url.size() < s.size()) continue;
        bool match = true;
        for (std::size_t i = 0; i < s.size(); ++i) match = match && lower(url[i]) == s[i];
        if (match) {
            scheme = std::string(s.substr(0, s.size() - 3));
            url.remove_prefix(s.size());
            break;
        }
    }
    if (scheme.empty()) return std::nullopt;
    const std::size_t end = url.find_first_of("/?#");
    const std::string_view authority = url.substr(0, end);
    if (origin_only && end != std::string_view::npos) return std::nullopt;

    std::string host;
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {  // IPv6 literal
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos || close < 3) return std::nullopt;
        for (char c : authority.substr(1, close - 1)) {
            const char l = lower(c);
            if (!((l >= '0' && l <= '9') || (l >= 'a' && l <= 'f') || l == ':' || l == '.'))
                return std::nullopt;
            host += l;
        }
        host = "[" + host + "]";
        const std::string_view rest = authority.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return std::nullopt;
            port = rest.substr(1);
            if (port.empty()) return std::nullopt;
        }
    } else {
        const std::size_t colon = authority.find(':');
        const std::string_view name = authority.substr(0, colon);
        if (name.empty()) return std::nullopt;
        for (char c : name) {
            if (!is_host_char(lower(c))) return std::nullopt;  // '@', '%', '\\', spaces, ...
            host += lower(c);
        }
        if (colon != std::string_view::npos) {
            port = authority.substr(colon + 1);
            if (port.empty()) return std::nullopt;
        }
    }
    if (port.size() > 5) return std::nullopt;
    unsigned port_number = 0;
    for (char c : port) {
        if (c < '0' || c > '9') return std::nullopt;
        port_number = port_number * 10 + static_cast<unsigned>(c - '0');
    }
    if (!port.empty() && (port_number == 0 || port_number > 65535)) return std::nullopt;
    const unsigned default_port = scheme == "https" ? 443 : 80;
    std::string out = scheme + "://" + host;
    if (!port.empty() && port_number != default_port) out += ":" + std::to_string(port_number);
    return out;
}

}  // namespace

std::string new_prelogin_id() { return random_hex_id(); }

std::string csrf_token_for(const key_ring& keys, std::string_view prelogin_id,
                           std::chrono::system_clock::time_point now) {
    if (!is_hex_id(prelogin_id)) throw std::invalid_argument("pre-login id must be 32 hex");
    const key_ring::key& key = keys.newest();
    std::string token;
    token += static_cast<char>(token_version);
    token += static_cast<char>(key.id.size());
    token += key.id;
    const auto issued = static_cast<std::uint64_t>(unix_seconds(now));
    for (int i = 7; i >= 0; --i) token += static_cast<char>((issued >> (i * 8)) & 0xff);
    token += mac(key, token, prelogin_id);
    return base64url_encode(token);
}

bool csrf_token_valid(const key_ring& keys, std::string_view token, std::string_view prelogin_id,
                      std::chrono::system_clock::time_point now) {
    if (token.size() > max_token_chars || !is_hex_id(prelogin_id)) return false;
    const auto raw = base64url_decode(token);
    if (!raw || raw->size() < 2 || static_cast<unsigned char>((*raw)[0]) != token_version)
        return false;
    const std::size_t id_size = static_cast<unsigned char>((*raw)[1]);
    const std::size_t head_size = 2 + id_size + 8;
    if (raw->size() != head_size + mac_bytes) return false;
    const key_ring::key* key = keys.find(std::string_view(*raw).substr(2, id_size));
    if (!key) return false;
    const std::string_view head = std::string_view(*raw).substr(0, head_size);
    const std::string expected = mac(*key, head, prelogin_id);
    if (CRYPTO_memcmp(expected.data(), raw->data() + head_size, mac_bytes) != 0) return false;
    std::uint64_t issued = 0;
    for (std::size_t i = 2 + id_size; i < head_size; ++i)
        issued = issued << 8 | static_cast<unsigned char>((*raw)[i]);
    const std::int64_t issued_at = static_cast<std::int64_t>(issued);
    const std::int64_t t = unix_seconds(now);
    return issued_at <= t + csrf_future_skew.count() &&
           t - issued_at < csrf_token_max_age.count();
}

bool same_origin_request(std::string_view origin_header, std::string_view referer_header,
                         std::string_view own_origin) {
    std::string_view own = trim(own_origin);
    if (!own.empty() && own.back() == '/') own.remove_suffix(1);
    const auto ours = canonical_origin(own, true);
    if (!ours) return false;
    origin_header = trim(origin_header);
    if (!origin_header.empty()) {
        const auto theirs = canonical_origin(origin_header, true);  // "null" fails to parse
        return theirs && *theirs == *ours;
    }
    referer_header = trim(referer_header);
    if (referer_header.empty()) return false;
    const auto theirs = canonical_origin(referer_header, false);
    return theirs && *theirs == *ours;
}

}  // namespace gangway
