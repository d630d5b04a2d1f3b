#include "common/http/response_head.hpp"

#include <array>

#include "common/http/field_text.hpp"

namespace gangway {
namespace {

enum byte_class : std::uint8_t {
    tchar_byte = 1u << 0,  // RFC 9110 token
    value_byte = 1u << 1,  // field-vchar, obs-text, SP, HTAB
};

constexpr std::array<std::uint8_t, 256> make_byte_classes() {
    std::array<std::uint8_t, 256> t{};
    constexpr std::string_view tchar_extra = "!#$%&'*+-.^_`|~";
    for (int c = 0; c < 256; ++c) {
        const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        bool extra = false;
        for (char e : tchar_extra) extra = extra || static_cast<unsigned char>(e) == c;
        std::uint8_t f = 0;
        if (alnum || extra) f |= tchar_byte;
        if ((c >= 0x21 && c <= 0x7E) || c == ' ' || c == '\t' || c >= 0x80) f |= value_byte;
        t[static_cast<std::size_t>(c)] = f;
    }
    return t;
}

constexpr std::array<std::uint8_t, 256> byte_classes = make_byte_classes();

bool is(char c, std::uint8_t cls) noexcept {
    return (byte_classes[static_cast<unsigned char>(c)] & cls) != 0;
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// 1*DIGIT within 64 bits (at most 19 digits).
bool parse_decimal(std::string_view s, std::uint64_t& out) noexcept {
    if (s.empty() || s.size() > 19) return false;
    out = 0;
    for (char c : s) {
        if (!is_digit(c)) return false;
        out = out * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return true;
}

// Content-Length may be a list of equal values (RFC 9110 8.6); every value must agree with an
// earlier Content-Length field too.
bool merge_content_length(std::string_view value, std::optional<std::uint64_t>& length) noexcept {
    bool any = false;
    bool ok = true;
    std::size_t elements = 0;
    for (char c : value) elements += c == ',';
    ++elements;
    std::size_t seen = 0;
    for_each_list_element(value, [&](std::string_view e) {
        ++seen;
        std::uint64_t v = 0;
        if (!parse_decimal(e, v) || (length && *length != v)) ok = false;
        length = v;
        any = true;
    });
    return ok && any && seen == elements;
}

// "HTTP/1.x SP 3DIGIT [SP reason]" without its CRLF.
bool parse_status_line(std::string_view line, response_head_view& out) noexcept {
    if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || !is_digit(line[7]) || line[8] != ' ')
        return false;
    out.http10 = line[7] == '0';
    const auto digits = line.substr(9, 3);
    for (char c : digits)
        if (!is_digit(c)) return false;
    out.status_digits = digits;
    out.status = static_cast<unsigned>((digits[0] - '0') * 100 + (digits[1] - '0') * 10 + (digits[2] - '0'));
    if (out.status < 100) return false;
    auto rest = line.substr(12);
    if (!rest.empty() && rest.front() != ' ') return false;
    if (!rest.empty()) rest.remove_prefix(1);
    for (char c : rest)
        if (!is(c, value_byte)) return false;
    out.reason = rest;
    return true;
}

}  // namespace

bool response_head_view::keep_alive() const noexcept {
    if (!http10) return !fields.connection_says("close") && !fields.proxy_connection_says("close");
    return fields.connection_says("keep-alive") || fields.proxy_connection_says("keep-alive");
}

bool parse_response_head(std::string_view head, response_head_view& out) {
    out.fields.clear();
    out.content_length.reset();
    out.chunked = false;
    out.reason = {};
    if (!head.ends_with("\r\n\r\n")) return false;
    const char* const p = head.data();
    const std::size_t n = head.size();

    const auto line_end = head.find("\r\n");
    if (!parse_status_line(head.substr(0, line_end), out)) return false;

    // The head ends with CRLF CRLF, so every scan below stops at a CR or LF before its end.
    bool transfer_encoding = false;
    std::size_t i = line_end + 2;
    while (true) {
        if (p[i] == '\r') {
            // The contract: `head` ends at its first empty line.
            return p[i + 1] == '\n' && i + 2 == n;
        }
        const std::size_t name_begin = i;
        while (is(p[i], tchar_byte)) ++i;
        if (p[i] != ':' || i == name_begin) return false;  // obs-fold, whitespace, bad name
        const std::string_view name(p + name_begin, i - name_begin);
        ++i;
        while (p[i] == ' ' || p[i] == '\t') ++i;
        const std::size_t value_begin = i;
        i = skip_field_value_bytes(p, i, n);
        if (p[i] != '\r' || p[i + 1] != '\n') return false;  // control byte, bare CR or LF
        std::size_t value_end = i;
        while (value_end > value_begin && (p[value_end - 1] == ' ' || p[value_end - 1] == '\t'))
            --value_end;
        const std::string_view value(p + value_begin, value_end - value_begin);
        i += 2;
        out.fields.add(name, value);

        switch (out.fields.lines().back().kind) {
        case known_field::content_length:
            if (transfer_encoding || !merge_content_length(value, out.content_length)) return false;
            break;
        case known_field::transfer_encoding: {
            if (out.chunked || out.content_length) return false;
            transfer_encoding = true;
            // Chunked only as the final coding; otherwise the body ends with the close.
            std::string_view last;
            for_each_list_element(value, [&](std::string_view e) { last = e; });
            out.chunked = iequals(last, "chunked");
            break;
        }
        default: break;
        }
    }
}

}  // namespace gangway
