#pragma once

#include <cstddef>

namespace gangway {

// How a relayed body is framed on the way out (the head already carries the matching
// Content-Length or Transfer-Encoding field).
enum class body_framing { none, raw, chunked };

// "1a2b\r\n" for a chunk of `size` bytes, written into `out` (at least 18 bytes); returns its
// length.
std::size_t chunk_size_line(std::size_t size, char* out) noexcept;

}  // namespace gangway
