#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/crypto/key_ring.hpp"

namespace gangway {

// CSRF protection for the login form, in two independent layers:
//
// 1. A token bound to a pre-login cookie (double submit, signed). Before the form is shown the
//    browser gets a cookie holding a random 128-bit pre-login id; the form carries
//      base64url( version(1) = 1 | key id length(1) | key id | issued_at(8, big-endian unix s) |
//                 HMAC-SHA256(key, "csrf" 0x00 | everything before the MAC | pre-login id) )
//    under the ring's newest key. A cross-site page can make the browser send the cookie but
//    cannot read it, and cannot mint a token for it without the key.
// 2. An Origin check (same_origin_request), which catches what a stolen or fixated cookie
//    would not.

inline constexpr std::chrono::seconds csrf_token_max_age{2 * 60 * 60};
// Instances of one site sign with the same keys; their clocks may differ a little.
inline constexpr std::chrono::seconds csrf_future_skew{60};

// 32 lowercase hex characters from the system CSPRNG: the pre-login cookie's value.
std::string new_prelogin_id();

// The token for the form shown with this pre-login id. Throws std::invalid_argument when the
// id is not 32 lowercase hex (callers pass what new_prelogin_id() made).
std::string csrf_token_for(const key_ring& keys, std::string_view prelogin_id,
                           std::chrono::system_clock::time_point now);

// True when `token` was made by csrf_token_for for this pre-login id by one of the ring's keys
// (rotated-out keys still in the ring count), less than csrf_token_max_age ago and not more
// than csrf_future_skew ahead. The MAC is compared in constant time. False for anything else:
// another id, a malformed id or token, an unknown key id, a modified byte.
bool csrf_token_valid(const key_ring& keys, std::string_view token, std::string_view prelogin_id,
                      std::chrono::system_clock::time_point now);

// The Origin check for state-changing requests to our own forms. own_origin is this site's
// public origin as configured ("https://app.example.com"). Headers are passed as received, an
// absent header as "".
//   - Origin present: it must be own_origin (scheme and host compared case-insensitively, a
//     default port equal to none). "null" (sandboxed frames, some redirects, file:) is refused.
//     A present Origin is decisive: Referer is not consulted.
//   - Origin absent (older browsers, some same-origin GETs turned POST): Referer's origin must
//     be own_origin; a Referer with userinfo is refused.
//   - Both absent: refused. The login page is served with a Referrer-Policy that keeps the
//     origin on same-origin requests, so a genuine form post always carries one of them.
bool same_origin_request(std::string_view origin_header, std::string_view referer_header,
                         std::string_view own_origin);

}  // namespace gangway
