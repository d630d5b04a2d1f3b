#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/crypto/key_ring.hpp"
#include "common/crypto/sealed_box.hpp"
#include "common/time/clock.hpp"

namespace gangway {

// Messages between the sites' gateways (credentials going out, a handoff URL coming back),
// sealed with AES-256-GCM under purpose "envelope" (sealed_box.hpp). The plaintext is
//   version(1) = 1 | sender len(1) | sender | audience len(1) | audience |
//   issued_at(8, big-endian unix s) | expires_at(8) | message id(16 raw bytes) |
//   kind len(1) | kind | body len(4, big-endian) | body
// and nothing after it.

inline constexpr unsigned char envelope_version = 1;
inline constexpr std::chrono::seconds default_envelope_ttl{30};
inline constexpr std::chrono::seconds max_envelope_ttl{120};
// How far ahead of our clock a peer's issued_at may be (clock skew between sites).
inline constexpr std::chrono::seconds envelope_future_skew{30};
inline constexpr std::size_t max_envelope_body_bytes = 16 * 1024;
inline constexpr std::size_t max_envelope_site_bytes = 64;  // as config's site names
inline constexpr std::size_t max_envelope_kind_bytes = 32;

// Length of the sealed form (base64url characters) of an envelope with this body and the
// longest site names, kind and key id.
constexpr std::size_t sealed_envelope_size(std::size_t body_bytes) {
    const std::size_t payload = 1 + 2 * (1 + max_envelope_site_bytes) + 8 + 8 + 16 +
                                (1 + max_envelope_kind_bytes) + 4 + body_bytes;
    const std::size_t raw = 2 + 32 + 12 + payload + 16;  // see sealed_box.hpp
    return (raw * 4 + 2) / 3;
}

// The longest sealed text open() looks at (a full 16 KiB body); longer is refused as too_large
// before any crypto.
inline constexpr std::size_t max_envelope_sealed_bytes =
    sealed_envelope_size(max_envelope_body_bytes);

// An envelope this gateway is about to send. fresh() is the only way to make one, and it
// always draws a new random message id: no function turns a received envelope
// (opened_envelope) into one, so a receiver cannot re-seal and forward what a peer sent it.
// Every envelope travels exactly one hop, from its sender to its audience.
class envelope {
public:
    // issued_at = now, expires_at = now + ttl. Throws std::invalid_argument when sender or
    // audience is not 1..64 of a-z 0-9 _ -, when they are equal, when kind is not 1..32 of
    // a-z _, or ttl is outside 1 s..max_envelope_ttl; std::length_error when body is longer
    // than max_envelope_body_bytes. Callers build envelopes from config and their own data,
    // so any of these is a bug, not a data-path error.
    static envelope fresh(std::string sender, std::string audience, std::string kind,
                          std::string body, std::chrono::system_clock::time_point now,
                          std::chrono::seconds ttl = default_envelope_ttl);

    unsigned char version() const noexcept { return envelope_version; }
    const std::string& sender() const noexcept { return sender_; }
    const std::string& audience() const noexcept { return audience_; }
    std::int64_t issued_at() const noexcept { return issued_at_; }
    std::int64_t expires_at() const noexcept { return expires_at_; }
    const std::string& message_id() const noexcept { return message_id_; }  // 32 lowercase hex
    const std::string& kind() const noexcept { return kind_; }
    const std::string& body() const noexcept { return body_; }

private:
    envelope() = default;
    std::string sender_;
    std::string audience_;
    std::int64_t issued_at_ = 0;
    std::int64_t expires_at_ = 0;
    std::string message_id_;
    std::string kind_;
    std::string body_;
};

// Under the ring's newest key. Sealing one envelope twice gives two texts with the same
// message id, of which a receiver accepts only the first to arrive. Throws std::length_error
// when the sealed text would exceed max_envelope_sealed_bytes (the receiver could not open it).
std::string seal_envelope(const key_ring& keys, const envelope& e);

// What a receiver got: read-only data, deliberately not an `envelope`.
struct opened_envelope {
    unsigned char version = 0;
    std::string sender;
    std::string audience;
    std::int64_t issued_at = 0;
    std::int64_t expires_at = 0;
    std::string message_id;  // 32 lowercase hex
    std::string kind;
    std::string body;
};

enum class envelope_refusal {
    malformed,      // not base64url, truncated, or the plaintext is not a valid envelope
    unknown_key,    // the key id is not in our ring (retired, or never ours)
    bad_seal,       // a known key id, but the tag does not verify: modified, or wrong key
    wrong_audience, // sealed for another site
    reflected,      // sent by this site: one of our own envelopes played back to us
    expired,        // expires_at has passed
    not_yet_valid,  // issued more than envelope_future_skew ahead of our clock
    replayed,       // this message id was accepted before
    overloaded,     // the replay cache is full of live ids; see envelope_opener
    too_large,      // longer than max_envelope_sealed_bytes, or a body over the limit
};

// The reason as logs and metrics spell it: "malformed", "bad_seal", ...
std::string_view to_string(envelope_refusal r) noexcept;

struct envelope_open_result {
    std::optional<opened_envelope> envelope;  // set when accepted
    envelope_refusal refusal = envelope_refusal::malformed;  // meaningful when not accepted

    explicit operator bool() const noexcept { return envelope.has_value(); }
};

// Opens envelopes addressed to this site, each message id at most once.
//
// The replay cache remembers every accepted message id until its expires_at; an id is only
// dropped once its envelope would be refused as expired anyway, so memory stays bounded by
// the ids of live envelopes. When replay_capacity live ids are held, new envelopes are refused
// as `overloaded` rather than making room by forgetting a live id: forgetting would let that
// envelope be replayed (a second login with the same credentials, a second reset mail), while
// refusing only fails one server-to-server call, which the sending gateway reports and the
// user retries. Only holders of the key ring can fill the cache at all (bad seals never reach
// it), at most max_envelope_ttl worth of traffic, so the cap is a guard against a misbehaving
// peer, not a reachable state in normal operation.
//
// The clock may step backwards (NTP); expiry and eviction use the latest time seen, so an id
// evicted as expired is never accepted again.
//
// Thread-safe: decoding runs without locks; only the replay cache takes a mutex (this is the
// peer path, a few calls per login, not the per-request path).
class envelope_opener {
public:
    // wall_clock must outlive the opener.
    envelope_opener(std::shared_ptr<const key_ring> keys, const clock& wall_clock,
                    std::string self_site, std::size_t replay_capacity = 100000);

    envelope_open_result open(std::string_view sealed);

    // Live message ids held (tests, metrics).
    std::size_t remembered() const;

private:
    struct expiry_entry {
        std::int64_t expires_at;
        std::string id;
        bool operator>(const expiry_entry& o) const { return expires_at > o.expires_at; }
    };

    std::shared_ptr<const key_ring> keys_;
    const clock& clock_;
    std::string self_site_;
    std::size_t capacity_;

    mutable std::mutex mutex_;
    std::int64_t latest_now_ = 0;
    std::unordered_set<std::string> ids_;
    std::priority_queue<expiry_entry, std::vector<expiry_entry>, std::greater<>> by_expiry_;
};

}  // namespace gangway
