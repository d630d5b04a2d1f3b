#pragma once

#include <string>

#include "gateway/proxy/upstream_request.hpp"

namespace gangway {

// How a relayed body is framed on the way out (the head already carries the matching
// Content-Length or Transfer-Encoding field).
enum class body_framing { none, raw, chunked };

// Serialises a head into one contiguous block ("GET /p HTTP/1.1\r\n...\r\n\r\n"): one memcpy
// per field instead of a buffer sequence of four pieces per field. Always HTTP/1.1 towards the
// upstream; the response keeps the version set on it.
void serialize_head(const request_head& head, std::string& out);
void serialize_head(const arena_request_head& head, std::string& out);
void serialize_head(const response_head& head, std::string& out);
void serialize_head(const arena_response_head& head, std::string& out);

// "1a2b\r\n" for a chunk of `size` bytes, written into `out` (at least 18 bytes); returns its
// length.
std::size_t chunk_size_line(std::size_t size, char* out) noexcept;

}  // namespace gangway
