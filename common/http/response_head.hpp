#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/http/head_fields.hpp"

namespace gangway {

// An upstream's response head, parsed once, as views into the read buffer.
struct response_head_view {
    unsigned status = 0;
    std::string_view status_digits;  // the three digits as received
    std::string_view reason;         // may be empty
    bool http10 = false;             // HTTP/1.0; any later HTTP/1.x counts as 1.1
    head_fields fields;
    std::optional<std::uint64_t> content_length;
    bool chunked = false;  // Transfer-Encoding whose final coding is chunked

    // Whether the upstream lets the connection carry another exchange, by the version and the
    // Connection (and Proxy-Connection) tokens, as Beast's parser decides it. A body that ends
    // only with the close (no length, not chunked) makes it false as well: see body_until_close.
    bool keep_alive() const noexcept;

    // A body is allowed and neither Content-Length nor chunked frames it.
    bool body_until_close(bool body_allowed) const noexcept {
        return body_allowed && !content_length && !chunked;
    }
};

// Parses `head` (status line and field lines up to and including the empty line, "\r\n\r\n")
// into `out`. Returns false for anything an HTTP/1.1 parser should refuse: a bad status line,
// a field line that is not `token ":" value` with visible bytes, obs-fold, bare CR or LF,
// control bytes, Content-Length that is not a number or disagrees with another one, or
// Transfer-Encoding together with Content-Length or given twice with chunked.
// The same rules as Beast 1.74's response parser, which this replaces on the proxy path.
bool parse_response_head(std::string_view head, response_head_view& out);

}  // namespace gangway
