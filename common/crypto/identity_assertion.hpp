#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/crypto/key_ring.hpp"

namespace gangway {

// Who a proxied request is from, as the gateway asserts it to the upstream.
struct identity_fields {
    std::uint64_t user_id = 0;
    std::uint64_t account_id = 0;
    std::string email;
    std::string site;
    std::string request_id;
    std::int64_t issued_at = 0;  // unix seconds; set by sign
};

// The X-Gangway-Assertion value:
//   v1;kid=<id>;ts=<unix s>;uid=<n>;aid=<n>;site=<site>;rid=<request id>;email=<base64url>;
//   sig=<base64url HMAC-SHA256(key, everything before ";sig=")>
// under the ring's newest key. site and request_id must not contain ';' (gangway's site names
// and request ids never do); a value built from one that does fails verification.
std::string sign_identity_assertion(const key_ring& keys, const identity_fields& who,
                                    std::chrono::system_clock::time_point now);

// The same fields as views, for the request path: signing then copies nothing but into the
// value it returns.
struct identity_view {
    std::uint64_t user_id = 0;
    std::uint64_t account_id = 0;
    std::string_view email;
    std::string_view site;
    std::string_view request_id;
};
std::string sign_identity_assertion(const key_ring& keys, const identity_view& who,
                                    std::chrono::system_clock::time_point now);
// The same value, written over `out` (its room reused: the request path keeps one per thread).
void sign_identity_assertion(const key_ring& keys, const identity_view& who,
                             std::chrono::system_clock::time_point now, std::string& out);

// What an upstream does with it: the fields when the value has exactly the fields above in
// that order, the MAC checks out under the ring's key named by kid (constant-time compare), and
// ts is within max_age of now (and not more than a minute ahead); nullopt otherwise.
std::optional<identity_fields> verify_identity_assertion(const key_ring& keys,
                                                         std::string_view value,
                                                         std::chrono::system_clock::time_point now,
                                                         std::chrono::seconds max_age);

}  // namespace gangway
