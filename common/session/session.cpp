#include "common/session/session.hpp"

#include <stdexcept>

#include "common/crypto/binary_record.hpp"
#include "common/crypto/random_id.hpp"
#include "common/crypto/sealed_box.hpp"

namespace gangway {
namespace {

constexpr std::string_view purpose = "session";
constexpr unsigned char payload_version = 1;
constexpr std::int64_t future_skew_s = 60;


}  // namespace

std::string new_session_id() { return random_hex_id(); }

session_codec::session_codec(std::shared_ptr<const key_ring> keys, const clock& wall_clock,
                             std::string site)
    : keys_(std::move(keys)), clock_(wall_clock), site_(std::move(site)) {}

session session_codec::mint(std::uint64_t user_id, std::uint64_t account_id, std::string email,
                            std::uint64_t placement_version, std::chrono::seconds ttl) const {
    const std::int64_t now = unix_seconds(clock_.now());
    return {user_id, account_id, std::move(email), site_, placement_version, now,
            now + ttl.count(), new_session_id()};
}

std::string session_codec::seal(const session& s) const {
    if (s.email.size() > max_email_bytes || s.site.size() > 255 || !is_hex_id(s.session_id))
        throw std::invalid_argument("session field out of range");
    std::string payload;
    payload.reserve(64 + s.email.size());
    payload += static_cast<char>(payload_version);
    put_uint(payload, s.user_id, 8);
    put_uint(payload, s.account_id, 8);
    put_text(payload, s.email);
    put_text(payload, s.site);
    put_uint(payload, s.placement_version, 8);
    put_uint(payload, static_cast<std::uint64_t>(s.issued_at), 8);
    put_uint(payload, static_cast<std::uint64_t>(s.expires_at), 8);
    put_text(payload, s.session_id);
    return gangway::seal(*keys_, purpose, payload);
}

std::optional<session> session_codec::open(std::string_view cookie_value) const {
    const auto payload = open_sealed(*keys_, purpose, cookie_value);
    if (!payload) return std::nullopt;
    record_reader in(*payload);
    if (in.uint(1) != payload_version) return std::nullopt;
    session s;
    s.user_id = in.uint(8);
    s.account_id = in.uint(8);
    s.email = std::string(in.text());
    s.site = std::string(in.text());
    s.placement_version = in.uint(8);
    s.issued_at = static_cast<std::int64_t>(in.uint(8));
    s.expires_at = static_cast<std::int64_t>(in.uint(8));
    s.session_id = std::string(in.text());
    if (!in.complete() || s.site != site_ || s.email.size() > max_email_bytes ||
        !is_hex_id(s.session_id))
        return std::nullopt;
    if (!live(s)) return std::nullopt;
    return s;
}

bool session_codec::live(const session& s) const {
    const std::int64_t now = unix_seconds(clock_.now());
    return s.expires_at > now && s.issued_at <= now + future_skew_s;
}

}  // namespace gangway
