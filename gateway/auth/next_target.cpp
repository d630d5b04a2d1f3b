#include "gateway/auth/next_target.hpp"

#include <algorithm>

namespace gangway {
namespace {

bool is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// RFC 3986 characters that may appear in a path, query or fragment, plus '%' and '#' (checked
// separately). Everything else, including what browsers would silently fix up, is refused.
bool is_uri_char(char c) {
    if (is_alnum(c)) return true;
    constexpr std::string_view others = "-._~!$&'()*+,;=:@/?%#";
    return others.find(c) != std::string_view::npos;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// The byte that the two hex digits at s[i], s[i + 1] encode; -1 when they are not hex digits.
int hex_pair_at(std::string_view s, std::size_t i) {
    if (i + 1 >= s.size()) return -1;
    const int hi = hex_value(s[i]), lo = hex_value(s[i + 1]);
    return hi < 0 || lo < 0 ? -1 : hi << 4 | lo;
}

// Bytes that must not arrive percent-encoded: a server or browser that decodes before
// resolving would turn them into path structure ("/%2e%2e/", "/%2f%2fevil.io") or into
// header/line injection.
bool is_dangerous_encoded(int byte) {
    return byte == '/' || byte == '\\' || byte == '.' || byte < 0x20 || byte == 0x7f;
}

// Overlong UTF-8: C0 and C1 only ever start overlong forms of ASCII ("%c0%af" is '/'), E0 80..9F
// and F0 80..8F overlong 3- and 4-byte forms. Lenient decoders turn them into path structure.
bool is_overlong_utf8(std::string_view decoded) {
    for (std::size_t i = 0; i < decoded.size(); ++i) {
        const auto b = static_cast<unsigned char>(decoded[i]);
        const auto next = i + 1 < decoded.size() ? static_cast<unsigned char>(decoded[i + 1]) : 0;
        if (b == 0xc0 || b == 0xc1 || (b == 0xe0 && next >= 0x80 && next < 0xa0) ||
            (b == 0xf0 && next >= 0x80 && next < 0x90))
            return true;
    }
    return false;
}

bool escapes_are_safe(std::string_view s) {
    std::string decoded;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            decoded += s[i];
            continue;
        }
        const int byte = hex_pair_at(s, i + 1);
        if (byte < 0 || is_dangerous_encoded(byte)) return false;
        decoded += static_cast<char>(byte);
        i += 2;
    }
    if (is_overlong_utf8(decoded)) return false;
    // Double encoding, however the inner escape is spelled: "%252f" and "%25%32%66" are both
    // "%2f" after one decode. The decoded text may hold only harmless escapes.
    for (std::size_t i = 0; i < decoded.size(); ++i) {
        if (decoded[i] != '%') continue;
        const int byte = hex_pair_at(decoded, i + 1);
        if (byte >= 0 && (is_dangerous_encoded(byte) || byte == '%')) return false;
    }
    return true;
}

// The path part of a target (before '?' or '#'); must be empty or start with '/'.
bool path_is_safe(std::string_view path) {
    if (path.starts_with("//")) return false;
    while (!path.empty()) {
        path.remove_prefix(1);  // the '/'
        const auto end = std::min(path.find('/'), path.size());
        const auto segment = path.substr(0, end);
        if (segment == "." || segment == "..") return false;
        path.remove_prefix(end);
    }
    return true;
}

bool is_loopback_host(std::string_view host) {
    if (host == "localhost" || host.ends_with(".localhost")) return true;
    if (!host.starts_with("127.")) return false;
    return std::all_of(host.begin(), host.end(),
                       [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

// An origin we may redirect to: https, or http on a loopback host (local demos and tests).
bool origin_is_trusted(std::string_view origin) {
    if (origin.starts_with("https://")) return origin.size() > 8;
    constexpr std::string_view http = "http://";
    if (!origin.starts_with(http)) return false;
    const std::string_view authority = origin.substr(http.size());
    return is_loopback_host(authority.substr(0, authority.find(':')));
}

std::optional<std::string> validated_absolute(std::string_view next, std::string_view own_origin,
                                              const std::vector<std::string>& allowed_origins) {
    const auto scheme_end = next.find("://");
    if (scheme_end == std::string_view::npos) return std::nullopt;
    const auto authority_begin = scheme_end + 3;
    const auto authority_end = std::min(next.find_first_of("/?#", authority_begin), next.size());
    const std::string_view authority =
        next.substr(authority_begin, authority_end - authority_begin);
    if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;

    const std::string_view origin = next.substr(0, authority_end);
    const auto matches = [origin](std::string_view candidate) {
        return candidate == origin && origin_is_trusted(candidate);
    };
    if (!matches(own_origin) &&
        std::none_of(allowed_origins.begin(), allowed_origins.end(), matches)) {
        return std::nullopt;
    }
    const std::string_view rest = next.substr(authority_end);
    if (!path_is_safe(rest.substr(0, rest.find_first_of("?#")))) return std::nullopt;
    return std::string(next);
}

}  // namespace

std::optional<std::string> validated_next(std::string_view next, std::string_view own_origin,
                                          const std::vector<std::string>& allowed_origins) {
    if (next.empty() || next.size() > max_next_target_bytes) return std::nullopt;
    // Printable ASCII is a subset of is_uri_char's domain: controls, space, DEL, non-ASCII,
    // backslash and the other non-URI characters all fail here.
    if (!std::all_of(next.begin(), next.end(), is_uri_char)) return std::nullopt;
    if (std::count(next.begin(), next.end(), '#') > 1) return std::nullopt;
    if (!escapes_are_safe(next)) return std::nullopt;

    if (next.front() == '/') {
        if (!path_is_safe(next.substr(0, next.find_first_of("?#")))) return std::nullopt;
        return std::string(next);
    }
    return validated_absolute(next, own_origin, allowed_origins);
}

}  // namespace gangway
