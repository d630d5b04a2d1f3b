#pragma once

// What fuzz_login and fuzz_login_seeds share: the reader each input's first byte selects, and
// the fixed keys, clock and sites. The seeds in tests/fuzz/seeds/fuzz_login/ are sealed and
// signed with these keys at this time, so a change here means regenerating them
// (`fuzz_login_seeds tests/fuzz/seeds/fuzz_login`).

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/crypto/key_ring.hpp"

namespace gangway::fuzz_login {

// First byte of an input, modulo reader_count.
enum class reader : unsigned char {
    envelope_text,     // any text, opened as a sealed peer envelope
    envelope_payload,  // any plaintext, sealed with our key, then opened
    envelope_fields,   // fields for envelope::fresh, sealed and opened at a chosen time
    envelope_tamper,   // edits applied to one valid sealed envelope
    csrf_text,         // any token and pre-login id, checked at a chosen time
    csrf_tamper,       // edits applied to one valid CSRF token and its pre-login id
    same_origin,       // Origin, Referer and own origin for same_origin_request
    next_target,       // a `next` value under one of three origin configurations
    handoff_token,     // a handoff token, stored and redeemed against a refusing connection
    envelope_replay,   // opens from a pool of sealed envelopes and clock steps, on one opener
};
inline constexpr unsigned reader_count = 10;

inline constexpr std::int64_t base_s = 1'800'000'000;
inline const std::chrono::system_clock::time_point base_time{std::chrono::seconds(base_s)};

// The site the fuzzed gateway runs as, and its peer.
inline constexpr std::string_view self_site = "aws";
inline constexpr std::string_view peer_site = "legacy";

inline constexpr std::string_view prelogin_id = "0123456789abcdef0123456789abcdef";

// Two keys, newest first, so tokens and envelopes under a rotated-out key are covered too.
inline const std::vector<std::pair<std::string, unsigned char>> fixed_keys{{"f2", 0x6b},
                                                                           {"f1", 0x5a}};

inline std::shared_ptr<const key_ring> ring_of_keys(std::size_t first, std::size_t last) {
    std::vector<key_ring::key> keys;
    for (std::size_t i = first; i < last; ++i) {
        key_ring::key k{fixed_keys[i].first, {}};
        k.bytes.fill(fixed_keys[i].second);
        keys.push_back(k);
    }
    return std::make_shared<const key_ring>(std::move(keys));
}

// Both keys.
inline const std::shared_ptr<const key_ring>& fixed_ring() {
    static const auto ring = ring_of_keys(0, fixed_keys.size());
    return ring;
}

// Only fixed_keys[i]: what csrf_token_for and seal use when that key is the newest.
inline const std::shared_ptr<const key_ring>& single_key_ring(std::size_t i) {
    static const auto rings = [] {
        std::vector<std::shared_ptr<const key_ring>> out;
        for (std::size_t k = 0; k < fixed_keys.size(); ++k) out.push_back(ring_of_keys(k, k + 1));
        return out;
    }();
    return rings.at(i);
}

// The peer envelope plaintext exactly as peer_envelope.hpp documents it, written without the
// production encoder so the fuzzer can compare what open() accepted against the bytes sealed.
struct envelope_fields {
    unsigned char version = 1;
    std::string sender;
    std::string audience;
    std::uint64_t issued_at = 0;
    std::uint64_t expires_at = 0;
    std::string raw_id;  // 16 bytes
    std::string kind;
    std::string body;
};

inline void append_uint(std::string& out, std::uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((v >> (i * 8)) & 0xff);
}

inline std::string envelope_plaintext(const envelope_fields& f) {
    std::string p;
    p += static_cast<char>(f.version);
    p += static_cast<char>(f.sender.size());
    p += f.sender;
    p += static_cast<char>(f.audience.size());
    p += f.audience;
    append_uint(p, f.issued_at, 8);
    append_uint(p, f.expires_at, 8);
    p += f.raw_id;
    p += static_cast<char>(f.kind.size());
    p += f.kind;
    append_uint(p, f.body.size(), 4);
    p += f.body;
    return p;
}

}  // namespace gangway::fuzz_login
