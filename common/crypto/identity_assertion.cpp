#include "common/crypto/identity_assertion.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <array>
#include <charconv>
#include <cstring>
#include <vector>
#include <utility>

#include "common/crypto/base64url.hpp"
#include "common/time/clock.hpp"

namespace gangway {
namespace {

constexpr std::string_view sig_field = ";sig=";
constexpr std::size_t max_assertion_bytes = 2048;
constexpr std::int64_t future_skew_s = 60;

// HMAC-SHA256 (RFC 2104) with each key's two padded blocks hashed once per thread: a MAC is
// then a copy of two SHA-256 states, the text, and two finals. This is the same MAC as
// EVP_MAC's HMAC (the unit test checks it against OpenSSL's one-shot HMAC()), without what
// OpenSSL 3.0's EVP layer adds around it on every call: duplicating the keyed digest context
// (two allocations), provider dispatch, parameter handling (together about 2.5k instructions
// of the 10.6k of a MAC under callgrind; the SHA-256 block function is the rest). The
// low-level SHA256_* calls are deprecated in OpenSSL 3 but present through 3.x and run the
// same block function (with the CPU's SHA extensions) as EVP_sha256().
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // SHA256_*: see above
struct hmac_sha256_key {
    SHA256_CTX inner;  // after K ^ ipad
    SHA256_CTX outer;  // after K ^ opad
};

// Key equality without an early exit, eight bytes at a time (CRYPTO_memcmp goes a byte at a
// time: about 230 instructions per signed assertion).
bool same_key(const std::array<unsigned char, 32>& a, const std::array<unsigned char, 32>& b) noexcept {
    std::uint64_t diff = 0;
    for (std::size_t i = 0; i < a.size(); i += 8) {
        std::uint64_t x, y;
        std::memcpy(&x, a.data() + i, 8);
        std::memcpy(&y, b.data() + i, 8);
        diff |= x ^ y;
    }
    return diff == 0;
}

class mac_cache {
public:
    const hmac_sha256_key& get(const key_ring::key& key) {
        for (auto& e : entries_)
            if (same_key(e.key, key.bytes)) return e.states;
        if (entries_.size() == max_entries) {
            drop(entries_.front());
            entries_.erase(entries_.begin());
        }
        entry& e = entries_.emplace_back();
        e.key = key.bytes;
        // Keys are 32 bytes, shorter than SHA-256's 64-byte block: zero-padded, never hashed.
        static_assert(sizeof(key.bytes) <= SHA256_CBLOCK);
        unsigned char pad[SHA256_CBLOCK] = {};
        std::memcpy(pad, key.bytes.data(), key.bytes.size());
        for (auto& b : pad) b ^= 0x36;
        SHA256_Init(&e.states.inner);
        SHA256_Update(&e.states.inner, pad, sizeof pad);
        for (auto& b : pad) b ^= 0x36 ^ 0x5c;
        SHA256_Init(&e.states.outer);
        SHA256_Update(&e.states.outer, pad, sizeof pad);
        OPENSSL_cleanse(pad, sizeof pad);
        return e.states;
    }
    ~mac_cache() {
        for (auto& e : entries_) drop(e);
    }

private:
    struct entry {
        std::array<unsigned char, 32> key;
        hmac_sha256_key states;
    };
    static void drop(entry& e) { OPENSSL_cleanse(&e, sizeof e); }
    static constexpr std::size_t max_entries = 8;
    std::vector<entry> entries_;
};

// HMAC-SHA256 of `text` into `out` (32 bytes); returns its length. Matched by key bytes, so
// a reloaded ring reuses the cached states and a different key never does; wiped when the
// thread ends.
std::size_t mac_into(const key_ring::key& key, std::string_view text,
                     unsigned char (&out)[EVP_MAX_MD_SIZE]) {
    thread_local mac_cache cache;
    const hmac_sha256_key& k = cache.get(key);
    SHA256_CTX ctx = k.inner;
    unsigned char inner[SHA256_DIGEST_LENGTH];
    SHA256_Update(&ctx, text.data(), text.size());
    SHA256_Final(inner, &ctx);
    ctx = k.outer;
    SHA256_Update(&ctx, inner, sizeof inner);
    SHA256_Final(out, &ctx);
    OPENSSL_cleanse(&ctx, sizeof ctx);
    OPENSSL_cleanse(inner, sizeof inner);
    return SHA256_DIGEST_LENGTH;
}
#pragma GCC diagnostic pop

std::string mac(const key_ring::key& key, std::string_view text) {
    unsigned char out[EVP_MAX_MD_SIZE];
    const std::size_t n = mac_into(key, text, out);
    return std::string(reinterpret_cast<const char*>(out), n);
}

template <class Integer>
void append_number(std::string& out, Integer v) {
    char digits[20];
    const auto r = std::to_chars(digits, digits + sizeof digits, v);
    out.append(digits, r.ptr);
}

std::optional<std::uint64_t> number(std::string_view s) {
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return v;
}

// The fields of the signed text, which must be exactly "v1;kid=..;ts=..;uid=..;aid=..;site=..;
// rid=..;email=..", in that order: an upstream that reads the same fields the gateway wrote
// cannot be fooled by a missing, repeated or reordered one.
struct raw_fields {
    std::string_view kid, ts, uid, aid, site, rid, email;
};

std::optional<raw_fields> split_fields(std::string_view text) {
    if (!text.starts_with("v1")) return std::nullopt;
    text.remove_prefix(2);
    raw_fields f;
    for (auto [name, out] : {std::pair{"kid", &f.kid},
                             {"ts", &f.ts},
                             {"uid", &f.uid},
                             {"aid", &f.aid},
                             {"site", &f.site},
                             {"rid", &f.rid},
                             {"email", &f.email}}) {
        const std::string_view n(name);
        if (text.size() < n.size() + 2 || text[0] != ';' || text.substr(1, n.size()) != n ||
            text[n.size() + 1] != '=')
            return std::nullopt;
        text.remove_prefix(n.size() + 2);
        const auto semi = text.find(';');
        *out = text.substr(0, semi);
        text.remove_prefix(out->size());
    }
    if (!text.empty()) return std::nullopt;
    return f;
}


}  // namespace

std::string sign_identity_assertion(const key_ring& keys, const identity_fields& who,
                                    std::chrono::system_clock::time_point now) {
    return sign_identity_assertion(
        keys, identity_view{who.user_id, who.account_id, who.email, who.site, who.request_id}, now);
}

std::string sign_identity_assertion(const key_ring& keys, const identity_view& who,
                                    std::chrono::system_clock::time_point now) {
    std::string out;
    sign_identity_assertion(keys, who, now, out);
    return out;
}

// One string, sized once, the text then ";sig=" and the MAC appended in place: this runs on
// every authenticated request, where the concatenations it replaced made about ten strings.
void sign_identity_assertion(const key_ring& keys, const identity_view& who,
                             std::chrono::system_clock::time_point now, std::string& out) {
    const key_ring::key& key = keys.newest();
    out.clear();
    out.reserve(96 + key.id.size() + who.site.size() + who.request_id.size() +
                who.email.size() * 4 / 3 + sig_field.size() + 43);
    out.append("v1;kid=").append(key.id).append(";ts=");
    append_number(out, unix_seconds(now));
    out.append(";uid=");
    append_number(out, who.user_id);
    out.append(";aid=");
    append_number(out, who.account_id);
    out.append(";site=").append(who.site).append(";rid=").append(who.request_id).append(";email=");
    base64url_append(out, who.email);
    unsigned char sig[EVP_MAX_MD_SIZE];
    const std::size_t n = mac_into(key, out, sig);
    out.append(sig_field);
    base64url_append(out, std::string_view(reinterpret_cast<const char*>(sig), n));
}

std::optional<identity_fields> verify_identity_assertion(const key_ring& keys,
                                                         std::string_view value,
                                                         std::chrono::system_clock::time_point now,
                                                         std::chrono::seconds max_age) {
    if (value.size() > max_assertion_bytes) return std::nullopt;
    const auto at = value.rfind(sig_field);
    if (at == std::string_view::npos) return std::nullopt;
    const std::string_view signed_text = value.substr(0, at);
    const auto f = split_fields(signed_text);
    const auto sig = base64url_decode(value.substr(at + sig_field.size()));
    if (!f || !sig) return std::nullopt;
    const key_ring::key* key = keys.find(f->kid);
    if (!key) return std::nullopt;
    const std::string expected = mac(*key, signed_text);
    if (sig->size() != expected.size() ||
        CRYPTO_memcmp(sig->data(), expected.data(), expected.size()) != 0)
        return std::nullopt;
    const auto ts = number(f->ts);
    const auto uid = number(f->uid);
    const auto aid = number(f->aid);
    auto email = base64url_decode(f->email);
    if (!ts || !uid || !aid || !email) return std::nullopt;
    const std::int64_t now_s = unix_seconds(now);
    const auto issued = static_cast<std::int64_t>(*ts);
    if (issued > now_s + future_skew_s || now_s - issued > max_age.count()) return std::nullopt;
    return identity_fields{
        *uid, *aid, std::move(*email), std::string(f->site), std::string(f->rid), issued};
}

}  // namespace gangway
