#include "gateway/server/request_head_check.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tests/fuzz/fuzz_invariants.hpp"

// libFuzzer target for find_head_end, check_request_head and parse_request_head. Besides "never crashes", it
// asserts the properties the connection code relies on. The first input byte picks the limits
// and a frame that puts the rest of the input where the checker looks hardest: raw bytes, the
// field lines, the request-target, or the Host value.

namespace {

using gangway::fuzz::require;
using gangway::fuzz::within;

// What an accepted head must look like, checked by brute force.
void check_accepted(std::string_view head, const gangway::head_limits& limits) {
    require(head.size() <= limits.max_header_bytes, "accepted head within max_header_bytes");
    require(gangway::find_head_end(head) == head.size(), "accepted head ends at its first empty line");
    require(head.ends_with("\r\n\r\n"), "accepted head ends with CRLF CRLF");
    for (std::size_t i = 0; i < head.size(); ++i) {
        const auto c = static_cast<unsigned char>(head[i]);
        require(c != 0 && c != 0x7F, "no NUL or DEL in an accepted head");
        if (c == '\n') require(i > 0 && head[i - 1] == '\r', "no bare LF in an accepted head");
        if (c == '\r') require(i + 1 < head.size() && head[i + 1] == '\n', "no bare CR");
        if (c == '\n' && i + 1 < head.size())
            require(head[i + 1] != ' ' && head[i + 1] != '\t', "no obs-fold in an accepted head");
    }
}

// What the proxy writes upstream comes from parse_request_head's views: they must lie inside
// the head, hold no CR or LF, and agree with the check's decision.
void check_parsed(std::string_view head, const gangway::head_limits& limits,
                  gangway::head_rejection expected) {
    static gangway::request_head_view view;  // reused, as a connection reuses its own
    const auto r = gangway::parse_request_head(head, limits, view);
    require(r == expected, "parse_request_head decides as check_request_head");
    if (r != gangway::head_rejection::none) return;
    require(within(view.method, head) && within(view.target, head), "request line inside the head");
    require(view.fields.size() <= limits.max_header_count, "field count within the limit");
    gangway::fuzz::require_clean_fields(view.fields, head);
    require(!(view.chunked && view.content_length), "never both framings");
}

void check_head(std::string_view head, const gangway::head_limits& limits) {
    const auto r = gangway::check_request_head(head, limits);
    const auto name = gangway::head_rejection_name(r);
    require(!name.empty() && name != "unknown", "every result has a name");
    require(gangway::check_request_head(head, limits) == r, "deterministic");
    check_parsed(head, limits, r);
    if (r == gangway::head_rejection::none) check_accepted(head, limits);
}

void check_stream(std::string_view bytes, const gangway::head_limits& limits) {
    const auto end = gangway::find_head_end(bytes);
    require(end <= bytes.size(), "find_head_end within the input");
    check_head(bytes, limits);
    if (end == 0) return;
    require(bytes[end - 1] == '\n', "a head ends with LF");
    require(gangway::find_head_end(bytes.substr(0, end)) == end, "the end does not move");
    require(gangway::find_head_end(bytes.substr(0, end - 1)) == 0, "the first end is found");
    check_head(bytes.substr(0, end), limits);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t mode = data[0];
    const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

    gangway::head_limits limits;
    if (mode & 0x80) {
        // Small limits reach every limit branch with short inputs.
        limits.max_header_bytes = 256;
        limits.max_header_count = 3;
        limits.max_url_bytes = 16;
        limits.max_body_bytes = 100;
    }

    switch (mode & 0x3) {
    case 0: check_stream(input, limits); break;
    case 1:
        check_stream("POST / HTTP/1.1\r\n" + std::string(input) + "\r\n\r\n", limits);
        break;
    case 2:
        check_stream("GET " + std::string(input) + " HTTP/1.1\r\nHost: example.com\r\n\r\n",
                     limits);
        break;
    case 3:
        check_stream("GET http://example.com/ HTTP/1.1\r\nHost: " + std::string(input) +
                         "\r\n\r\n",
                     limits);
        break;
    }
    return 0;
}
