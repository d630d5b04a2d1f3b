#include "common/session/session.hpp"

#include <openssl/rand.h>

#include <stdexcept>

#include "common/crypto/sealed_box.hpp"

namespace gangway {
namespace {

constexpr std::string_view purpose = "session";
constexpr unsigned char payload_version = 1;
constexpr std::int64_t future_skew_s = 60;

void put_u64(std::string& out, std::uint64_t v) {
    for (int i = 7; i >= 0; --i) out += static_cast<char>((v >> (i * 8)) & 0xff);
}

void put_text(std::string& out, std::string_view s) {
    out += static_cast<char>(s.size());
    out += s;
}

// Reads the payload field by field; any shortfall marks it bad.
class reader {
public:
    explicit reader(std::string_view data) : data_(data) {}
    std::uint64_t u64() {
        if (data_.size() < 8) return fail();
        std::uint64_t v = 0;
        for (int i = 0; i < 8; ++i) v = v << 8 | static_cast<unsigned char>(data_[i]);
        data_.remove_prefix(8);
        return v;
    }
    std::string text() {
        if (data_.empty()) return fail(), std::string();
        const std::size_t n = static_cast<unsigned char>(data_[0]);
        if (data_.size() < 1 + n) return fail(), std::string();
        std::string s(data_.substr(1, n));
        data_.remove_prefix(1 + n);
        return s;
    }
    unsigned char byte() {
        if (data_.empty()) return static_cast<unsigned char>(fail());
        const unsigned char b = static_cast<unsigned char>(data_[0]);
        data_.remove_prefix(1);
        return b;
    }
    bool complete() const { return ok_ && data_.empty(); }

private:
    std::uint64_t fail() {
        ok_ = false;
        data_ = {};
        return 0;
    }
    std::string_view data_;
    bool ok_ = true;
};

bool is_hex_id(std::string_view s) {
    if (s.size() != 32) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

std::int64_t unix_seconds(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string new_session_id() {
    unsigned char raw[16];
    if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("RAND_bytes failed");
    static constexpr char hex[] = "0123456789abcdef";
    std::string id;
    for (unsigned char b : raw) {
        id += hex[b >> 4];
        id += hex[b & 15];
    }
    return id;
}

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
    put_u64(payload, s.user_id);
    put_u64(payload, s.account_id);
    put_text(payload, s.email);
    put_text(payload, s.site);
    put_u64(payload, s.placement_version);
    put_u64(payload, static_cast<std::uint64_t>(s.issued_at));
    put_u64(payload, static_cast<std::uint64_t>(s.expires_at));
    put_text(payload, s.session_id);
    return gangway::seal(*keys_, purpose, payload);
}

std::optional<session> session_codec::open(std::string_view cookie_value) const {
    const auto payload = open_sealed(*keys_, purpose, cookie_value);
    if (!payload) return std::nullopt;
    reader in(*payload);
    if (in.byte() != payload_version) return std::nullopt;
    session s;
    s.user_id = in.u64();
    s.account_id = in.u64();
    s.email = in.text();
    s.site = in.text();
    s.placement_version = in.u64();
    s.issued_at = static_cast<std::int64_t>(in.u64());
    s.expires_at = static_cast<std::int64_t>(in.u64());
    s.session_id = in.text();
    if (!in.complete() || s.site != site_ || s.email.size() > max_email_bytes ||
        !is_hex_id(s.session_id))
        return std::nullopt;
    const std::int64_t now = unix_seconds(clock_.now());
    if (s.expires_at <= now || s.issued_at > now + future_skew_s) return std::nullopt;
    return s;
}

}  // namespace gangway
