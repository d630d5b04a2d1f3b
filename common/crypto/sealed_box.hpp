#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/crypto/key_ring.hpp"

namespace gangway {

// Authenticated encryption for everything gangway hands to a browser or a peer: AES-256-GCM
// with a fresh 96-bit random nonce per message, under the ring's newest key. The result is
// base64url of  version(1) | key id length(1) | key id | nonce(12) | ciphertext | tag(16).
// The associated data binds the purpose ("session", "handoff", ...) and the header, so a
// value sealed for one purpose never opens as another.
std::string seal(const key_ring& keys, std::string_view purpose, std::string_view plaintext);

// The longest sealed value open_sealed() looks at by default (cookies and tokens).
inline constexpr std::size_t max_sealed_bytes = 4096;

// The plaintext, or nullopt for anything that is not a value sealed by one of the ring's keys
// for this purpose: bad base64, truncated, unknown key id, modified byte, wrong purpose, or
// longer than max_bytes (envelopes between gateways carry more than cookies and pass their
// own bound).
std::optional<std::string> open_sealed(const key_ring& keys, std::string_view purpose,
                                       std::string_view sealed,
                                       std::size_t max_bytes = max_sealed_bytes);

}  // namespace gangway
