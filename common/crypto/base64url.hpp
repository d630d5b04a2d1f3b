#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gangway {

// RFC 4648 section 5 (URL- and cookie-safe), without padding.
std::string base64url_encode(std::string_view bytes);
// The same, appended to `out`.
void base64url_append(std::string& out, std::string_view bytes);
// nullopt for characters outside the alphabet, padding, or an impossible length.
std::optional<std::string> base64url_decode(std::string_view text);
// Standard base64 with padding, as `gangway keys generate` prints keys.
std::string base64_encode(std::string_view bytes);
// Standard or URL alphabet, padding optional.
std::optional<std::string> base64_decode_any(std::string_view text);

}  // namespace gangway
