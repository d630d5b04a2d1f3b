#pragma once

#include <cstddef>
#include <string_view>

namespace gangway {

enum class chunked_check { ok, incomplete_ok, bad };

// Checks the chunked framing (RFC 9112 7.1) of the body bytes a client has sent so far,
// before any of them goes upstream: chunk-size lines (1..16 hex digits, optional extensions
// without control bytes, CRLF), the CRLF after each chunk's data, and the last chunk with its
// (discarded) trailer section. `ok` when the whole body is present and well formed,
// `incomplete_ok` when what is present is a well-formed prefix, `bad` otherwise. Bytes after
// the body's end (a pipelined request) are not looked at. Pure, no allocation.
chunked_check check_chunked_prefix(std::string_view bytes) noexcept;

}  // namespace gangway
