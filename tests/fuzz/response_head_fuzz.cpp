#include "common/http/response_head.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tests/fuzz/fuzz_invariants.hpp"

// libFuzzer target for parse_response_head: the upstream's response head, parsed in place on
// the proxy path. The input is cut at its first empty line (or given one), as the connection
// hands the parser a complete head. Besides "never crashes", an accepted head must give what
// the client-bound head is written from: views inside the head, names that are tokens, values
// without line breaks, one framing at most, and a status of three digits.

namespace {

using gangway::fuzz::require;
using gangway::fuzz::within;

void check_accepted(std::string_view head, const gangway::response_head_view& view) {
    for (std::size_t i = 0; i < head.size(); ++i) {
        const auto c = static_cast<unsigned char>(head[i]);
        require(c != 0, "no NUL in an accepted head");
        if (c == '\n') require(i > 0 && head[i - 1] == '\r', "no bare LF in an accepted head");
        if (c == '\r') require(i + 1 < head.size() && head[i + 1] == '\n', "no bare CR");
    }
    require(view.status_digits.size() == 3 && within(view.status_digits, head), "three status digits");
    require(view.status >= 100 && view.status <= 999, "status 100..999");
    require(within(view.reason, head), "reason inside the head");
    require(view.reason.find_first_of("\r\n") == std::string_view::npos, "reason on one line");
    gangway::fuzz::require_clean_fields(view.fields, head);
    require(!(view.chunked && view.content_length), "never both framings");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string head(reinterpret_cast<const char*>(data), size);
    if (const auto end = head.find("\r\n\r\n"); end != std::string::npos) {
        head.resize(end + 4);
    } else {
        head += "\r\n\r\n";
    }
    static gangway::response_head_view view;  // reused, as a connection reuses its own
    if (gangway::parse_response_head(head, view)) check_accepted(head, view);
    return 0;
}
