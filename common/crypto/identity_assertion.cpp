#include "common/crypto/identity_assertion.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <charconv>
#include <stdexcept>
#include <vector>
#include <utility>

#include "common/crypto/base64url.hpp"
#include "common/time/clock.hpp"

namespace gangway {
namespace {

constexpr std::string_view sig_field = ";sig=";
constexpr std::size_t max_assertion_bytes = 2048;
constexpr std::int64_t future_skew_s = 60;

// HMAC-SHA256 contexts per thread, each keyed once: fetching the digest and keying HMAC cost
// more than signing one assertion. Matched by key bytes, so a reloaded ring reuses them and a
// different key never does; wiped when the thread ends.
class mac_cache {
public:
    EVP_MAC_CTX* get(const key_ring::key& key) {
        for (auto& e : entries_)
            if (CRYPTO_memcmp(e.key.data(), key.bytes.data(), e.key.size()) == 0) return e.ctx;
        static EVP_MAC* hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
        if (entries_.size() == max_entries) {
            drop(entries_.front());
            entries_.erase(entries_.begin());
        }
        char digest[] = "SHA256";
        const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                                     OSSL_PARAM_construct_end()};
        EVP_MAC_CTX* ctx = hmac ? EVP_MAC_CTX_new(hmac) : nullptr;
        if (!ctx || EVP_MAC_init(ctx, key.bytes.data(), key.bytes.size(), params) != 1) {
            EVP_MAC_CTX_free(ctx);
            throw std::runtime_error("HMAC-SHA256 setup failed");
        }
        entries_.push_back({key.bytes, ctx});
        return ctx;
    }
    ~mac_cache() {
        for (auto& e : entries_) drop(e);
    }

private:
    struct entry {
        std::array<unsigned char, 32> key;
        EVP_MAC_CTX* ctx;
    };
    static void drop(entry& e) {
        OPENSSL_cleanse(e.key.data(), e.key.size());
        EVP_MAC_CTX_free(e.ctx);
    }
    static constexpr std::size_t max_entries = 8;
    std::vector<entry> entries_;
};

// HMAC-SHA256 of `text` into `out` (32 bytes); returns its length.
std::size_t mac_into(const key_ring::key& key, std::string_view text,
                     unsigned char (&out)[EVP_MAX_MD_SIZE]) {
    thread_local mac_cache cache;
    EVP_MAC_CTX* ctx = cache.get(key);
    std::size_t n = 0;
    // A null key restarts the MAC with the key already set.
    if (EVP_MAC_init(ctx, nullptr, 0, nullptr) != 1 ||
        EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(text.data()), text.size()) != 1 ||
        EVP_MAC_final(ctx, out, &n, EVP_MAX_MD_SIZE) != 1)
        throw std::runtime_error("HMAC-SHA256 failed");
    return n;
}

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

// One string, sized once, the text then ";sig=" and the MAC appended in place: this runs on
// every authenticated request, where the concatenations it replaced made about ten strings.
std::string sign_identity_assertion(const key_ring& keys, const identity_view& who,
                                    std::chrono::system_clock::time_point now) {
    const key_ring::key& key = keys.newest();
    std::string out;
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
    return out;
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
