#pragma once

#include <cstddef>
#include <string_view>

#include "common/http/head_fields.hpp"

// Strict validation of a raw HTTP/1.x request head, run on the bytes as received; on the proxy
// path the same pass also parses the head (parse_request_head), so no other parser walks it.
// Beast 1.74 accepts several ambiguous shapes (obs-fold, bare LF, duplicate Content-Length,
// Transfer-Encoding lists, ...) that a proxy must refuse, because a downstream parser may read
// them differently (request smuggling).
namespace gangway {

// Why a request head was refused. Each value has a stable snake_case name (head_rejection_name)
// used in metrics, access logs and local replies. Every rejection means: 400, close the
// connection, send nothing upstream.
enum class head_rejection {
    none = 0,
    header_too_large,          // head longer than max_header_bytes
    too_many_headers,          // more than max_header_count fields
    url_too_long,              // request-target longer than max_url_bytes
    bad_request_line,          // not "METHOD SP target SP HTTP/1.x"
    bad_method,                // not a token
    connect_method,            // CONNECT is never proxied
    bad_version,               // anything but HTTP/1.0 or HTTP/1.1
    bad_target,                // not origin-form / absolute-form / "*" for OPTIONS; bytes outside RFC 3986
    foreign_absolute_form,     // absolute-form whose authority differs from Host
    bare_cr,                   // CR not followed by LF
    bare_lf,                   // LF not preceded by CR
    control_byte,              // NUL or other CTL in a field value or the request line
    obs_fold,                  // field line starting with SP/HTAB
    whitespace_before_colon,   // "Name : value"
    bad_header_name,           // empty or non-token field name
    missing_host,              // HTTP/1.1 without Host
    duplicate_host,            // more than one Host field
    bad_host,                  // Host value not a valid authority
    bad_content_length,        // not 1*DIGIT, signed, hex, list, too large
    duplicate_content_length,  // more than one Content-Length field (even if equal)
    content_length_with_transfer_encoding,
    bad_transfer_encoding,     // anything but exactly one final "chunked"
    transfer_encoding_on_http10,
    body_too_large,            // Content-Length above max_body_bytes
};

struct head_limits {
    std::size_t max_header_bytes = 16 * 1024;
    std::size_t max_header_count = 100;
    std::size_t max_url_bytes = 8 * 1024;
    unsigned long long max_body_bytes = 1ull << 32;
};

// `head` is the request line and all field lines including the final empty line
// ("...\r\n\r\n"). Returns head_rejection::none when the head may be handed to the parser.
// Pure function: no allocation, no I/O.
head_rejection check_request_head(std::string_view head, const head_limits& limits) noexcept;

// check_request_head and, when it accepts, the parsed head in `out`: the one pass over the
// bytes that the proxy path makes. `out` keeps its storage between calls.
head_rejection parse_request_head(std::string_view head, const head_limits& limits,
                                  request_head_view& out);

// Stable name, e.g. "duplicate_content_length"; "ok" for none.
std::string_view head_rejection_name(head_rejection r) noexcept;

// Position just past the "\r\n\r\n" (or bare "\n\n", which check_request_head then refuses)
// that ends the head in `bytes`, or 0 when the head is not complete yet.
std::size_t find_head_end(std::string_view bytes) noexcept;

}  // namespace gangway
