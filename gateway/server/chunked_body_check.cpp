#include "gateway/server/chunked_body_check.hpp"

namespace gangway {
namespace {

constexpr std::size_t max_size_digits = 16;  // 64-bit sizes; anything longer is abuse

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool field_byte(unsigned char c) noexcept { return c == '\t' || (c >= 0x20 && c != 0x7f); }

// One line ending in CRLF starting at `pos`: `end` is set just past the CRLF. Returns
// incomplete_ok when no CRLF is present yet, bad for bare CR/LF or control bytes.
chunked_check find_line(std::string_view b, std::size_t pos, std::size_t& end) noexcept {
    for (std::size_t i = pos; i < b.size(); ++i) {
        auto c = static_cast<unsigned char>(b[i]);
        if (c == '\r') {
            if (i + 1 == b.size()) return chunked_check::incomplete_ok;
            if (b[i + 1] != '\n') return chunked_check::bad;
            end = i + 2;
            return chunked_check::ok;
        }
        if (c == '\n' || !field_byte(c)) return chunked_check::bad;
    }
    return chunked_check::incomplete_ok;
}

// Parses "HEX[;ext]" of a size line (without its CRLF) into `size`.
bool parse_size_line(std::string_view line, unsigned long long& size) noexcept {
    std::size_t digits = 0;
    size = 0;
    while (digits < line.size() && hex_value(line[digits]) >= 0) {
        if (digits == max_size_digits) return false;
        size = size * 16 + static_cast<unsigned>(hex_value(line[digits]));
        ++digits;
    }
    if (digits == 0) return false;
    auto rest = line.substr(digits);
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    return rest.empty() || rest.front() == ';';
}

}  // namespace

chunked_check check_chunked_prefix(std::string_view b) noexcept {
    std::size_t pos = 0;
    for (;;) {
        std::size_t end = 0;
        if (auto r = find_line(b, pos, end); r != chunked_check::ok) return r;
        unsigned long long size = 0;
        if (!parse_size_line(b.substr(pos, end - 2 - pos), size)) return chunked_check::bad;
        pos = end;
        if (size == 0) break;
        if (size > b.size() - pos) return chunked_check::incomplete_ok;
        pos += static_cast<std::size_t>(size);
        if (pos + 2 > b.size()) {
            if (pos < b.size() && b[pos] != '\r') return chunked_check::bad;
            return chunked_check::incomplete_ok;
        }
        if (b[pos] != '\r' || b[pos + 1] != '\n') return chunked_check::bad;
        pos += 2;
    }
    for (;;) {  // trailer section: field lines until an empty line
        std::size_t end = 0;
        if (auto r = find_line(b, pos, end); r != chunked_check::ok) return r;
        if (end - pos == 2) return chunked_check::ok;
        if (b[pos] == ' ' || b[pos] == '\t' || b.substr(pos, end - pos).find(':') == std::string_view::npos)
            return chunked_check::bad;
        pos = end;
    }
}

}  // namespace gangway
