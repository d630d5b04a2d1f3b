#pragma once

#include <array>
#include <cstddef>
#include <initializer_list>
#include <span>
#include <string_view>

namespace gangway {

// AES-256-GCM with a 96-bit nonce and a full 128-bit tag: the step seal() and open_sealed()
// are built on, kept apart so that it can be checked with an explicit key, nonce and
// associated data against published and independently made vectors
// (tests/unit/aes_gcm_vectors_test.cpp).
//
// Other nonce lengths and shorter tags are refused although GCM defines them: a nonce that is
// not 96 bits is hashed into the counter (weaker bounds), a short tag is easier to forge, and
// nothing gangway makes uses either.
//
// Thread-safe: each thread keeps its own OpenSSL contexts (with the expanded key schedule).
// Throws std::runtime_error only when OpenSSL cannot set up a context at all.

inline constexpr std::size_t aes_gcm_key_bytes = 32;
inline constexpr std::size_t aes_gcm_nonce_bytes = 12;
inline constexpr std::size_t aes_gcm_tag_bytes = 16;

using aes_gcm_key = std::array<unsigned char, aes_gcm_key_bytes>;

// Associated data as pieces authenticated in order, exactly as their concatenation would be,
// so a caller can bind several fields without first copying them into one buffer.
using aes_gcm_aad = std::initializer_list<std::string_view>;

// Writes ciphertext || tag into `out`, which must be exactly plaintext.size() + 16 bytes.
// False (nothing authenticated written) when the nonce is not 12 bytes, `out` has another
// size, an input exceeds INT_MAX bytes, or OpenSSL fails.
bool aes_gcm_seal(const aes_gcm_key& key, std::string_view nonce, aes_gcm_aad aad,
                  std::string_view plaintext, std::span<unsigned char> out);

// Authenticates `sealed` (ciphertext || tag) and writes the plaintext into `out`, which must be
// exactly sealed.size() - 16 bytes. False, with `out` zeroed so that unauthenticated plaintext
// never escapes, for a nonce that is not 12 bytes, input shorter than a tag, a wrong `out`
// size, or failed authentication (another key, or any changed bit of nonce, aad, ciphertext
// or tag).
bool aes_gcm_open(const aes_gcm_key& key, std::string_view nonce, aes_gcm_aad aad,
                  std::string_view sealed, std::span<unsigned char> out);

}  // namespace gangway
