#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gangway {

inline constexpr std::size_t max_next_target_bytes = 2048;

// Decides whether the post-login `next` target may be followed, so that a login link can never
// become an open redirect. Pure: no I/O, no config lookups.
//
// `own_origin` and every entry of `allowed_origins` are origins as config stores them:
// lower-case "scheme://host[:port]" with no trailing slash (the public origins of the
// configured sites). An `http://` origin is only honoured when its host is loopback
// (localhost, *.localhost, 127.0.0.0/8); a non-loopback http origin is ignored. IPv6 literal
// hosts ("[::1]") are never accepted: '[' and ']' are refused everywhere, see below.
//
// Accepted, returned exactly as given:
//   - a same-origin path: starts with exactly one '/', e.g. "/path?query#frag";
//   - an absolute URL whose "scheme://authority" equals one of the origins byte for byte
//     (so no case folding, no default-port equivalence: "https://a.example:443" does not match
//     "https://a.example"), followed by nothing, or by '/', '?' or '#'.
// Refused (nullopt), erring on the side of refusing what a browser or an upstream might read
// differently from us:
//   - empty, or longer than max_next_target_bytes;
//   - any byte outside printable ASCII (controls, space, DEL, non-ASCII) or outside RFC 3986's
//     URI characters (e.g. '\\', '"', '<', '>', '{', '|', '^', '`', '[');
//   - a second '#';
//   - percent-escapes that are malformed, or that encode '/', '\\', '.', a control byte, or
//     (double encoding, however the inner escape is spelled: "%252f", "%25%32%66") '%'
//     followed by one of those; overlong UTF-8 forms ("%c0%af"), which lenient decoders turn
//     into '/'; anywhere in the target, query included;
//   - "." or ".." path segments, and a path starting with "//";
//   - any other scheme (javascript:, data:, http: to a non-loopback origin, ...), scheme-relative
//     "//host", "https:/host", userinfo ("https://a@b"), look-alike or differently-ported hosts;
//   - relative references not starting with '/' ("path", "?q", "#f").
std::optional<std::string> validated_next(std::string_view next, std::string_view own_origin,
                                          const std::vector<std::string>& allowed_origins);

}  // namespace gangway
