#include "gateway/auth/peer_envelope.hpp"

#include <stdexcept>

#include "common/crypto/base64url.hpp"
#include "common/time/clock.hpp"
#include "common/crypto/binary_record.hpp"
#include "common/crypto/random_id.hpp"

namespace gangway {
namespace {

constexpr std::string_view purpose = "envelope";
constexpr std::size_t message_id_bytes = 16;

bool is_site(std::string_view s) {
    if (s.empty() || s.size() > max_envelope_site_bytes) return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    return true;
}

bool is_kind(std::string_view s) {
    if (s.empty() || s.size() > max_envelope_kind_bytes) return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || c == '_')) return false;
    return true;
}


envelope_open_result refuse(envelope_refusal r) { return {std::nullopt, r}; }

// Tells a text that is not a sealed value at all (malformed) from one sealed under a key we do
// not hold (unknown_key), before open_sealed() gives its single yes/no. Mirrors sealed_box's
// layout: version(1) | key id length(1) | key id | nonce(12) | ciphertext | tag(16).
std::optional<envelope_refusal> precheck_seal(const key_ring& keys, std::string_view sealed) {
    const auto raw = base64url_decode(sealed);
    if (!raw || raw->size() < 2 || static_cast<unsigned char>((*raw)[0]) != 1)
        return envelope_refusal::malformed;
    const std::size_t id_size = static_cast<unsigned char>((*raw)[1]);
    if (raw->size() < 2 + id_size + 12 + 16) return envelope_refusal::malformed;
    if (!keys.find(std::string_view(*raw).substr(2, id_size))) return envelope_refusal::unknown_key;
    return std::nullopt;
}

// The envelope in a payload, or why not: malformed or too_large (a declared body over the limit).
std::optional<opened_envelope> decode(std::string_view payload, envelope_refusal& why) {
    why = envelope_refusal::malformed;
    record_reader in(payload);
    opened_envelope e;
    e.version = static_cast<unsigned char>(in.uint(1));
    if (!in.ok() || e.version != envelope_version) return std::nullopt;
    e.sender = in.text();
    e.audience = in.text();
    e.issued_at = static_cast<std::int64_t>(in.uint(8));
    e.expires_at = static_cast<std::int64_t>(in.uint(8));
    const std::string_view id = in.raw(message_id_bytes);
    e.kind = in.text();
    const std::size_t body_size = static_cast<std::size_t>(in.uint(4));
    if (in.ok() && body_size > max_envelope_body_bytes) {
        why = envelope_refusal::too_large;
        return std::nullopt;
    }
    e.body = in.raw(body_size);
    if (!in.complete() || !is_site(e.sender) || !is_site(e.audience) || !is_kind(e.kind))
        return std::nullopt;
    // A lifetime outside (0, max] is not something we sent; honouring a long one would also
    // keep its id in the replay cache for that long. The difference is taken unsigned: the
    // times are any 64-bit values, and a signed subtraction could overflow (issued_at = -2^63
    // wrapped to a negative lifetime and passed).
    if (e.expires_at <= e.issued_at ||
        static_cast<std::uint64_t>(e.expires_at) - static_cast<std::uint64_t>(e.issued_at) >
            static_cast<std::uint64_t>(max_envelope_ttl.count()))
        return std::nullopt;
    e.message_id = to_hex(id);
    return e;
}

}  // namespace

envelope envelope::fresh(std::string sender, std::string audience, std::string kind,
                         std::string body, std::chrono::system_clock::time_point now,
                         std::chrono::seconds ttl) {
    if (!is_site(sender) || !is_site(audience) || sender == audience)
        throw std::invalid_argument("envelope sender/audience must be two different site names");
    if (!is_kind(kind)) throw std::invalid_argument("envelope kind must be 1..32 of a-z _");
    if (ttl < std::chrono::seconds(1) || ttl > max_envelope_ttl)
        throw std::invalid_argument("envelope ttl must be 1..120 s");
    if (body.size() > max_envelope_body_bytes) throw std::length_error("envelope body too large");
    envelope e;
    e.sender_ = std::move(sender);
    e.audience_ = std::move(audience);
    e.issued_at_ = unix_seconds(now);
    e.expires_at_ = e.issued_at_ + ttl.count();
    e.message_id_ = random_hex_id();
    e.kind_ = std::move(kind);
    e.body_ = std::move(body);
    return e;
}

std::string seal_envelope(const key_ring& keys, const envelope& e) {
    std::string payload;
    payload.reserve(64 + e.sender().size() + e.audience().size() + e.kind().size() +
                    e.body().size());
    payload += static_cast<char>(e.version());
    put_text(payload, e.sender());
    put_text(payload, e.audience());
    put_uint(payload, static_cast<std::uint64_t>(e.issued_at()), 8);
    put_uint(payload, static_cast<std::uint64_t>(e.expires_at()), 8);
    payload += from_hex(e.message_id());
    put_text(payload, e.kind());
    put_uint(payload, e.body().size(), 4);
    payload += e.body();
    std::string sealed = seal(keys, purpose, payload);
    if (sealed.size() > max_envelope_sealed_bytes)
        throw std::length_error("sealed envelope longer than max_envelope_sealed_bytes");
    return sealed;
}

std::string_view to_string(envelope_refusal r) noexcept {
    switch (r) {
        case envelope_refusal::malformed: return "malformed";
        case envelope_refusal::unknown_key: return "unknown_key";
        case envelope_refusal::bad_seal: return "bad_seal";
        case envelope_refusal::wrong_audience: return "wrong_audience";
        case envelope_refusal::reflected: return "reflected";
        case envelope_refusal::expired: return "expired";
        case envelope_refusal::not_yet_valid: return "not_yet_valid";
        case envelope_refusal::replayed: return "replayed";
        case envelope_refusal::overloaded: return "overloaded";
        case envelope_refusal::too_large: return "too_large";
    }
    return "unknown";
}

envelope_opener::envelope_opener(std::shared_ptr<const key_ring> keys, const clock& wall_clock,
                                 std::string self_site, std::size_t replay_capacity)
    : keys_(std::move(keys)),
      clock_(wall_clock),
      self_site_(std::move(self_site)),
      capacity_(replay_capacity) {}

envelope_open_result envelope_opener::open(std::string_view sealed) {
    if (sealed.size() > max_envelope_sealed_bytes) return refuse(envelope_refusal::too_large);
    if (const auto bad = precheck_seal(*keys_, sealed)) return refuse(*bad);
    const auto payload = open_sealed(*keys_, purpose, sealed, max_envelope_sealed_bytes);
    if (!payload) return refuse(envelope_refusal::bad_seal);
    envelope_refusal why{};
    auto e = decode(*payload, why);
    if (!e) return refuse(why);
    // Reflection first: one of our own envelopes played back to us names a peer as its
    // audience, and saying "reflected" rather than "wrong_audience" is what ops need to see.
    if (e->sender == self_site_) return refuse(envelope_refusal::reflected);
    if (e->audience != self_site_) return refuse(envelope_refusal::wrong_audience);

    // Time checks and the replay cache under one lock, against one "now" that never goes
    // backwards: an id evicted as expired must stay expired.
    std::lock_guard lock(mutex_);
    latest_now_ = std::max(latest_now_, unix_seconds(clock_.now()));
    const std::int64_t now = latest_now_;
    if (e->expires_at <= now) return refuse(envelope_refusal::expired);
    if (e->issued_at > now + envelope_future_skew.count())
        return refuse(envelope_refusal::not_yet_valid);
    while (!by_expiry_.empty() && by_expiry_.top().expires_at <= now) {
        ids_.erase(by_expiry_.top().id);
        by_expiry_.pop();
    }
    if (ids_.contains(e->message_id)) return refuse(envelope_refusal::replayed);
    if (ids_.size() >= capacity_) return refuse(envelope_refusal::overloaded);
    ids_.insert(e->message_id);
    by_expiry_.push({e->expires_at, e->message_id});
    return {std::move(e), envelope_refusal::malformed};
}

std::size_t envelope_opener::remembered() const {
    std::lock_guard lock(mutex_);
    return ids_.size();
}

}  // namespace gangway
