#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/crypto/key_ring.hpp"
#include "common/time/clock.hpp"

namespace gangway {

// Who is logged in, as sealed into the session cookie. issued_at and expires_at are unix
// seconds; session_id is 32 lowercase hex characters (128 random bits), what logout revokes.
struct session {
    std::uint64_t user_id = 0;
    std::uint64_t account_id = 0;
    std::string email;
    std::string site;  // the site whose gateway issued it; only that site accepts it
    std::uint64_t placement_version = 0;
    std::int64_t issued_at = 0;
    std::int64_t expires_at = 0;
    std::string session_id;
};

// Seals and opens session cookies for one site (AES-256-GCM, purpose "session"; see
// sealed_box.hpp). The payload is a compact binary record, not JSON: opening runs on every
// authenticated request.
class session_codec {
public:
    static constexpr std::size_t max_email_bytes = 254;

    // wall_clock must outlive the codec.
    session_codec(std::shared_ptr<const key_ring> keys, const clock& wall_clock, std::string site);

    // A new session for this site, issued now, with a fresh random session id.
    session mint(std::uint64_t user_id, std::uint64_t account_id, std::string email,
                 std::uint64_t placement_version, std::chrono::seconds ttl) const;
    // Throws std::invalid_argument when email exceeds max_email_bytes, site exceeds 255 bytes
    // or session_id is not 32 lowercase hex: callers seal what mint() made, so this is a bug,
    // not a data-path error.
    std::string seal(const session& s) const;

    // nullopt for anything that is not a live session of this site: not sealed by a key of
    // the ring, modified, truncated, expired, issued more than a minute in the future, issued
    // for another site, or malformed inside.
    std::optional<session> open(std::string_view cookie_value) const;

    // Whether a session open() returned earlier is still live now (not expired, not issued
    // more than a minute ahead): all that can change about it without its cookie changing.
    bool live(const session& s) const;

private:
    std::shared_ptr<const key_ring> keys_;
    const clock& clock_;
    std::string site_;
};

// 32 lowercase hex characters from the system CSPRNG.
std::string new_session_id();

}  // namespace gangway
