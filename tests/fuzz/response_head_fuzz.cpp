#include "common/http/response_head.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

// libFuzzer target for parse_response_head: the upstream's response head, parsed in place on
// the proxy path. The input is cut at its first empty line (or given one), as the connection
// hands the parser a complete head. Besides "never crashes", an accepted head must give what
// the client-bound head is written from: views inside the head, names that are tokens, values
// without line breaks, one framing at most, and a status of three digits.

namespace {

void require(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
}

bool within(std::string_view part, std::string_view whole) {
    return part.empty() ||
           (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

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
    for (const auto& f : view.fields.lines()) {
        require(within(f.name, head) && within(f.value, head), "fields inside the head");
        require(!f.name.empty(), "field names are not empty");
        require(f.name.find_first_of("\r\n: \t") == std::string_view::npos, "names are tokens");
        require(f.value.find_first_of("\r\n") == std::string_view::npos, "values hold no line break");
        require(f.value.empty() || (f.value.front() != ' ' && f.value.back() != ' '), "values trimmed");
    }
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
