#pragma once

#include <string>
#include <string_view>

namespace gangway {

// 32 lowercase hex characters: 128 bits from the system CSPRNG (session ids, pre-login ids,
// envelope message ids). Throws std::runtime_error when no randomness is available.
std::string random_hex_id();

// True for exactly what random_hex_id() makes: 32 characters of 0-9 a-f.
bool is_hex_id(std::string_view s) noexcept;

// Lowercase hex of bytes, and back (input must be even-length lowercase hex, e.g. from
// random_hex_id(); anything else gives garbage, so check is_hex_id first).
std::string to_hex(std::string_view bytes);
std::string from_hex(std::string_view hex);

}  // namespace gangway
