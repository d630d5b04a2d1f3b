#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/config/config.hpp"

namespace gangway {

// "Set-Cookie" values for the session cookie: __Host- prefix rules (Path=/, Secure, no
// Domain), HttpOnly, SameSite=Lax. `sealed` must be cookie-safe (a seal() result, base64url).
std::string session_set_cookie(const session_config& cfg, std::string_view sealed,
                               std::chrono::seconds max_age);
std::string session_clear_cookie(const session_config& cfg);

// The value of cookie `name` in a Cookie request header ("a=1; b=2"), or nullopt when it is
// absent or appears more than once (two values for one name is cookie tossing: trust neither).
// Spaces around names and values and one pair of double quotes around a value are dropped;
// pairs without '=' are skipped. Never throws; the result points into cookie_header.
std::optional<std::string_view> find_cookie(std::string_view cookie_header, std::string_view name);

}  // namespace gangway
