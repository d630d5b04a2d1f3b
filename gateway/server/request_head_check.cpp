#include "gateway/server/request_head_check.hpp"

#include <array>
#include <cstdint>
#include <optional>

namespace gangway {
namespace {

// One table answers every "may this byte appear here?" question, so each scan is a load and a
// mask per byte: no locale, no <cctype>, no branches on character ranges.
enum byte_class : std::uint8_t {
    tchar_byte = 1u << 0,   // RFC 9110 token
    target_byte = 1u << 1,  // may appear literally in a request-target ('%' is handled apart)
    value_byte = 1u << 2,   // field-vchar, obs-text, SP, HTAB
    ctl_byte = 1u << 3,     // 0x00-0x1F and DEL
    host_byte = 1u << 4,    // RFC 3986 unreserved: what we allow in a reg-name
    digit_byte = 1u << 5,
    hex_byte = 1u << 6,
};

constexpr bool in_set(int c, std::string_view set) {
    for (char s : set)
        if (static_cast<unsigned char>(s) == c) return true;
    return false;
}

constexpr std::array<std::uint8_t, 256> make_byte_classes() {
    std::array<std::uint8_t, 256> t{};
    for (int c = 0; c < 256; ++c) {
        const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        const bool digit = c >= '0' && c <= '9';
        const bool vchar = c >= 0x21 && c <= 0x7E;
        std::uint8_t f = 0;
        if (alpha || digit || in_set(c, "!#$%&'*+-.^_`|~")) f |= tchar_byte;
        // RFC 3986 excludes these from URIs; '#' is excluded too because a request-target has
        // no fragment, and a backend that cuts at '#' would route on a different path than ours.
        if (vchar && !in_set(c, "\"<>\\^`{|}#%")) f |= target_byte;
        if (vchar || c == ' ' || c == '\t' || c >= 0x80) f |= value_byte;
        if (c < 0x20 || c == 0x7F) f |= ctl_byte;
        if (alpha || digit || in_set(c, "-._~")) f |= host_byte;
        if (digit) f |= digit_byte;
        if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) f |= hex_byte;
        t[static_cast<std::size_t>(c)] = f;
    }
    return t;
}

constexpr std::array<std::uint8_t, 256> byte_classes = make_byte_classes();

constexpr bool is(char c, std::uint8_t cls) noexcept {
    return (byte_classes[static_cast<unsigned char>(c)] & cls) != 0;
}

constexpr char ascii_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
}

// `lower` is already lower case.
bool iequals_lower(std::string_view s, std::string_view lower) noexcept {
    if (s.size() != lower.size()) return false;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (ascii_lower(s[i]) != lower[i]) return false;
    return true;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    return true;
}

bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }

// RFC 3986 dec-octet x4, without leading zeros (which some resolvers read as octal).
bool valid_ipv4(std::string_view s) noexcept {
    int octets = 0;
    std::size_t i = 0;
    while (true) {
        const std::size_t start = i;
        unsigned value = 0;
        while (i < s.size() && i - start < 4 && is(s[i], digit_byte))
            value = value * 10 + static_cast<unsigned>(s[i++] - '0');
        const std::size_t len = i - start;
        if (len == 0 || len > 3 || value > 255 || (len > 1 && s[start] == '0')) return false;
        if (++octets == 4) return i == s.size();
        if (i == s.size() || s[i] != '.') return false;
        ++i;
    }
}

// RFC 3986 IPv6address (without brackets); zone identifiers and IPvFuture are refused.
bool valid_ipv6(std::string_view s) noexcept {
    int groups = 0;
    bool elided = false;
    std::size_t i = 0;
    if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
        elided = true;
        i = 2;
        if (i == s.size()) return true;
    }
    while (true) {
        const std::size_t start = i;
        while (i < s.size() && i - start < 5 && is(s[i], hex_byte)) ++i;
        if (i < s.size() && s[i] == '.') {
            if (!valid_ipv4(s.substr(start))) return false;
            groups += 2;
            break;
        }
        const std::size_t len = i - start;
        if (len == 0 || len > 4 || ++groups > 8) return false;
        if (i == s.size()) break;
        if (s[i] != ':') return false;
        if (++i == s.size()) return false;  // trailing single ':'
        if (s[i] == ':') {
            if (elided) return false;
            elided = true;
            if (++i == s.size()) break;
        }
    }
    return elided ? groups <= 7 : groups == 8;
}

struct authority {
    std::string_view host;  // IP-literals keep their brackets
    std::uint32_t port = 0;
    bool has_port = false;
};

// Host header value or absolute-form authority: host [":" port]. Stricter than RFC 3986 where
// the extra forms only serve confusion: no userinfo, no percent-encoding or sub-delims in a
// reg-name (they cannot name a DNS host; "a,b" is how a list would look), no empty labels
// ("a..b", ".a"), no empty port, port at most 65535.
bool parse_authority(std::string_view s, authority& out) noexcept {
    if (s.empty()) return false;
    std::string_view rest;
    if (s.front() == '[') {
        const auto close = s.find(']');
        if (close == std::string_view::npos || !valid_ipv6(s.substr(1, close - 1))) return false;
        out.host = s.substr(0, close + 1);
        rest = s.substr(close + 1);
    } else {
        std::size_t i = 0;
        while (i < s.size() && is(s[i], host_byte)) ++i;
        out.host = s.substr(0, i);
        rest = s.substr(i);
        if (out.host.empty() || out.host.front() == '.' ||
            out.host.find("..") != std::string_view::npos)
            return false;
    }
    out.has_port = false;
    out.port = 0;
    if (rest.empty()) return true;
    if (rest.front() != ':' || rest.size() < 2 || rest.size() > 6) return false;
    for (char c : rest.substr(1)) {
        if (!is(c, digit_byte)) return false;
        out.port = out.port * 10 + static_cast<std::uint32_t>(c - '0');
    }
    out.has_port = true;
    return out.port <= 65535;
}

// Path and query bytes; every '%' starts a complete pct-encoded triplet.
bool valid_target_bytes(std::string_view s) noexcept {
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (is(s[i], target_byte)) continue;
        if (s[i] != '%' || i + 2 >= s.size() || !is(s[i + 1], hex_byte) || !is(s[i + 2], hex_byte))
            return false;
        i += 2;
    }
    return true;
}

struct request_line {
    std::string_view method;
    std::string_view target;
    bool http10 = false;
    bool absolute_form = false;
    bool https = false;
    authority target_authority;
};

bool starts_with_ci(std::string_view s, std::string_view lower_prefix) noexcept {
    return s.size() >= lower_prefix.size() &&
           iequals_lower(s.substr(0, lower_prefix.size()), lower_prefix);
}

// `line` is the request line without its CRLF.
head_rejection check_request_line(std::string_view line, const head_limits& limits,
                                  request_line& out) noexcept {
    // Control bytes first, so that a bare CR used as a line break inside the request line is
    // reported as what it is rather than as whatever token it happens to split.
    for (char c : line) {
        if (!is(c, ctl_byte)) continue;
        if (c == '\r') return head_rejection::bare_cr;
        if (c == '\t') return head_rejection::bad_request_line;  // a separator, but not SP
        return head_rejection::control_byte;
    }

    const auto first_sp = line.find(' ');
    const auto last_sp = line.rfind(' ');
    if (first_sp == std::string_view::npos || first_sp == last_sp)
        return head_rejection::bad_request_line;
    const auto method = line.substr(0, first_sp);
    const auto target = line.substr(first_sp + 1, last_sp - first_sp - 1);
    const auto version = line.substr(last_sp + 1);
    // Splitting at the first and the last SP leaves any doubled SP at an edge of the target;
    // an SP in its middle is a target byte problem.
    if (method.empty() || version.empty() || target.empty() || target.front() == ' ' ||
        target.back() == ' ')
        return head_rejection::bad_request_line;

    for (char c : method)
        if (!is(c, tchar_byte)) return head_rejection::bad_method;
    // Method names are case-sensitive, but a downstream that folds case must not get a tunnel.
    if (iequals_lower(method, "connect")) return head_rejection::connect_method;

    if (version == "HTTP/1.1")
        out.http10 = false;
    else if (version == "HTTP/1.0")
        out.http10 = true;
    else
        return head_rejection::bad_version;

    if (target.size() > limits.max_url_bytes) return head_rejection::url_too_long;
    out.method = method;
    out.target = target;

    if (target.front() == '/')
        return valid_target_bytes(target) ? head_rejection::none : head_rejection::bad_target;
    if (target == "*")
        return method == "OPTIONS" ? head_rejection::none : head_rejection::bad_target;

    std::string_view rest;
    if (starts_with_ci(target, "http://")) {
        rest = target.substr(7);
    } else if (starts_with_ci(target, "https://")) {
        rest = target.substr(8);
        out.https = true;
    } else {
        return head_rejection::bad_target;  // authority-form (CONNECT only) and other schemes
    }
    const auto authority_end = rest.find_first_of("/?");
    const auto authority_text = rest.substr(0, authority_end);
    const auto path = authority_end == std::string_view::npos ? std::string_view{}
                                                              : rest.substr(authority_end);
    if (!parse_authority(authority_text, out.target_authority) || !valid_target_bytes(path))
        return head_rejection::bad_target;
    out.absolute_form = true;
    return head_rejection::none;
}

enum class framing_field { other, host, content_length, transfer_encoding, underscore_alias };

// Names compare case-insensitively. CGI-style backends (and nginx's $http_ variables) map '_'
// and '-' to the same name, so "Content_Length" would frame the body there while we saw an
// unknown field: such aliases of the framing fields are refused.
framing_field classify_field_name(std::string_view name) noexcept {
    const auto match = [name](std::string_view lower, framing_field exact) {
        bool alias = false;
        for (std::size_t i = 0; i < name.size(); ++i) {
            const char c = ascii_lower(name[i]);
            if (c == lower[i]) continue;
            if (c != '_' || lower[i] != '-') return framing_field::other;
            alias = true;
        }
        return alias ? framing_field::underscore_alias : exact;
    };
    switch (name.size()) {
    case 4: return match("host", framing_field::host);
    case 14: return match("content-length", framing_field::content_length);
    case 17: return match("transfer-encoding", framing_field::transfer_encoding);
    default: return framing_field::other;
    }
}

// 1*DIGIT, at most 19 digits so that the value always fits in 64 bits.
bool parse_content_length(std::string_view s, unsigned long long& out) noexcept {
    if (s.empty() || s.size() > 19) return false;
    out = 0;
    for (char c : s) {
        if (!is(c, digit_byte)) return false;
        out = out * 10 + static_cast<unsigned long long>(c - '0');
    }
    return true;
}

std::uint32_t effective_port(const authority& a, bool https) noexcept {
    return a.has_port ? a.port : (https ? 443u : 80u);
}

// What a successful walk hands on: nothing (check_request_head) or the parsed head.
struct no_output {
    void request_line(std::string_view, std::string_view, bool) noexcept {}
    void field(std::string_view, std::string_view) noexcept {}
    void framing(std::optional<unsigned long long>, bool) noexcept {}
};

struct view_output {
    request_head_view& out;
    void request_line(std::string_view method, std::string_view target, bool http10) noexcept {
        out.method = method;
        out.target = target;
        out.http10 = http10;
    }
    void field(std::string_view name, std::string_view value) { out.fields.add(name, value); }
    void framing(std::optional<unsigned long long> length, bool chunked) noexcept {
        out.content_length = length;
        out.chunked = chunked;
    }
};

// Framing of the final empty line is checked first: it is what makes the scans below safe,
// since every line-oriented loop then stops at a CR or LF before the end of `head` without
// bounds checks. After that, defects are reported in the order the bytes are read (request
// line, then each field line), and the rules that relate several fields come last.
template <class Output>
head_rejection walk_request_head(std::string_view head, const head_limits& limits, Output&& output) {
    if (head.size() > limits.max_header_bytes) return head_rejection::header_too_large;
    if (!head.ends_with("\r\n\r\n")) {
        // find_head_end also ends a head at "\n\n" and "\n\r\n" so that it can be refused here;
        // anything else is not a complete head at all.
        if (head.ends_with("\n\n") || head.ends_with("\n\r\n")) return head_rejection::bare_lf;
        return head_rejection::bad_request_line;
    }

    const char* const p = head.data();
    const std::size_t n = head.size();

    const std::size_t request_line_lf = head.find('\n');
    if (request_line_lf == 0 || p[request_line_lf - 1] != '\r') return head_rejection::bare_lf;
    request_line line;
    if (const auto r = check_request_line(head.substr(0, request_line_lf - 1), limits, line);
        r != head_rejection::none)
        return r;
    output.request_line(line.method, line.target, line.http10);

    std::size_t fields = 0;
    std::size_t host_count = 0;
    std::size_t content_length_count = 0;
    std::size_t transfer_encoding_count = 0;
    authority host;
    unsigned long long content_length = 0;

    std::size_t i = request_line_lf + 1;
    while (true) {
        if (p[i] == '\r') {
            if (p[i + 1] != '\n') return head_rejection::bare_cr;
            // The contract says `head` ends at its first empty line; bytes after it would go
            // to the parser unchecked.
            if (i + 2 != n) return head_rejection::bad_request_line;
            break;
        }
        if (p[i] == '\n') return head_rejection::bare_lf;
        if (is_ows(p[i])) return head_rejection::obs_fold;
        if (++fields > limits.max_header_count) return head_rejection::too_many_headers;

        const std::size_t name_begin = i;
        while (is(p[i], tchar_byte)) ++i;
        const std::string_view name(p + name_begin, i - name_begin);
        if (p[i] != ':') {
            if (is_ows(p[i])) {
                while (is_ows(p[i])) ++i;
                return p[i] == ':' ? head_rejection::whitespace_before_colon
                                   : head_rejection::bad_header_name;
            }
            if (p[i] == '\n') return head_rejection::bare_lf;
            if (p[i] == '\r' && p[i + 1] != '\n') return head_rejection::bare_cr;
            return head_rejection::bad_header_name;
        }
        if (name.empty()) return head_rejection::bad_header_name;

        ++i;
        while (is_ows(p[i])) ++i;
        const std::size_t value_begin = i;
        i = skip_field_value_bytes(p, i, n);
        if (p[i] == '\n') return head_rejection::bare_lf;
        if (p[i] == '\r') {
            if (p[i + 1] != '\n') return head_rejection::bare_cr;
        } else {
            return head_rejection::control_byte;
        }
        std::size_t value_end = i;
        while (value_end > value_begin && is_ows(p[value_end - 1])) --value_end;
        const std::string_view value(p + value_begin, value_end - value_begin);
        i += 2;
        output.field(name, value);

        switch (classify_field_name(name)) {
        case framing_field::other: break;
        case framing_field::underscore_alias: return head_rejection::bad_header_name;
        case framing_field::host: {
            authority a;
            if (!parse_authority(value, a)) return head_rejection::bad_host;
            if (host_count++ == 0) host = a;
            break;
        }
        case framing_field::content_length: {
            unsigned long long v = 0;
            if (!parse_content_length(value, v)) return head_rejection::bad_content_length;
            if (content_length_count++ == 0) content_length = v;
            break;
        }
        case framing_field::transfer_encoding:
            // Only the bare "chunked" coding: every other coding list is either something the
            // upstream may decode differently or a body whose end only the close tells.
            if (!iequals_lower(value, "chunked")) return head_rejection::bad_transfer_encoding;
            ++transfer_encoding_count;
            break;
        }
    }

    if (host_count > 1) return head_rejection::duplicate_host;
    if (host_count == 0 && !line.http10) return head_rejection::missing_host;
    if (line.absolute_form && host_count == 1) {
        const auto& target = line.target_authority;
        if (!iequals(host.host, target.host) ||
            effective_port(host, line.https) != effective_port(target, line.https))
            return head_rejection::foreign_absolute_form;
    }
    if (content_length_count > 1) return head_rejection::duplicate_content_length;
    if (content_length_count > 0 && transfer_encoding_count > 0)
        return head_rejection::content_length_with_transfer_encoding;
    if (transfer_encoding_count > 0 && line.http10)
        return head_rejection::transfer_encoding_on_http10;
    if (transfer_encoding_count > 1) return head_rejection::bad_transfer_encoding;
    // Last, because the value only means a body length once CL/TE ambiguity is ruled out.
    if (content_length_count == 1 && content_length > limits.max_body_bytes)
        return head_rejection::body_too_large;
    output.framing(content_length_count ? std::optional(content_length) : std::nullopt,
                   transfer_encoding_count == 1);
    return head_rejection::none;
}

}  // namespace

head_rejection check_request_head(std::string_view head, const head_limits& limits) noexcept {
    return walk_request_head(head, limits, no_output{});
}

head_rejection parse_request_head(std::string_view head, const head_limits& limits,
                                  request_head_view& out) {
    out.fields.clear();
    out.content_length.reset();
    out.chunked = false;
    return walk_request_head(head, limits, view_output{out});
}

std::string_view head_rejection_name(head_rejection r) noexcept {
    switch (r) {
    case head_rejection::none: return "ok";
    case head_rejection::header_too_large: return "header_too_large";
    case head_rejection::too_many_headers: return "too_many_headers";
    case head_rejection::url_too_long: return "url_too_long";
    case head_rejection::bad_request_line: return "bad_request_line";
    case head_rejection::bad_method: return "bad_method";
    case head_rejection::connect_method: return "connect_method";
    case head_rejection::bad_version: return "bad_version";
    case head_rejection::bad_target: return "bad_target";
    case head_rejection::foreign_absolute_form: return "foreign_absolute_form";
    case head_rejection::bare_cr: return "bare_cr";
    case head_rejection::bare_lf: return "bare_lf";
    case head_rejection::control_byte: return "control_byte";
    case head_rejection::obs_fold: return "obs_fold";
    case head_rejection::whitespace_before_colon: return "whitespace_before_colon";
    case head_rejection::bad_header_name: return "bad_header_name";
    case head_rejection::missing_host: return "missing_host";
    case head_rejection::duplicate_host: return "duplicate_host";
    case head_rejection::bad_host: return "bad_host";
    case head_rejection::bad_content_length: return "bad_content_length";
    case head_rejection::duplicate_content_length: return "duplicate_content_length";
    case head_rejection::content_length_with_transfer_encoding:
        return "content_length_with_transfer_encoding";
    case head_rejection::bad_transfer_encoding: return "bad_transfer_encoding";
    case head_rejection::transfer_encoding_on_http10: return "transfer_encoding_on_http10";
    case head_rejection::body_too_large: return "body_too_large";
    }
    return "unknown";
}

// The head ends at its first empty line, whatever the line endings around it: "\r\n\r\n",
// "\n\n", "\r\n\n" or "\n\r\n". Recognising the bare-LF shapes lets the caller hand the head
// to check_request_head, which refuses it at once, instead of waiting for a "\r\n\r\n" that a
// lenient client never sends. A bare CR never ends a head; the caller's max_header_bytes cap
// bounds the wait. An empty line before the request line is not skipped (RFC 9112 2.2 only
// says SHOULD): it stays part of the head and check_request_head refuses it as
// bad_request_line.
std::size_t find_head_end(std::string_view bytes) noexcept {
    std::size_t pos = 0;
    while (true) {
        const auto lf = bytes.find('\n', pos);
        if (lf == std::string_view::npos) return 0;
        const std::size_t next = lf + 1;
        if (next < bytes.size() && bytes[next] == '\n') return next + 1;
        if (next + 1 < bytes.size() && bytes[next] == '\r' && bytes[next + 1] == '\n')
            return next + 2;
        pos = next;
    }
}

}  // namespace gangway
