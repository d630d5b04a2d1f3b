#include "common/crypto/identity_assertion.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <charconv>
#include <map>

#include "common/crypto/base64url.hpp"

namespace gangway {
namespace {

constexpr std::string_view sig_field = ";sig=";

std::string mac(const key_ring::key& key, std::string_view text) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    HMAC(EVP_sha256(), key.bytes.data(), static_cast<int>(key.bytes.size()),
         reinterpret_cast<const unsigned char*>(text.data()), text.size(), out, &n);
    return std::string(reinterpret_cast<const char*>(out), n);
}

std::optional<std::uint64_t> number(std::string_view s) {
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return v;
}

std::int64_t unix_seconds(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string sign_identity_assertion(const key_ring& keys, const identity_fields& who,
                                    std::chrono::system_clock::time_point now) {
    const key_ring::key& key = keys.newest();
    std::string text = "v1;kid=" + key.id + ";ts=" + std::to_string(unix_seconds(now)) +
                       ";uid=" + std::to_string(who.user_id) + ";aid=" +
                       std::to_string(who.account_id) + ";site=" + who.site + ";rid=" +
                       who.request_id + ";email=" + base64url_encode(who.email);
    const std::string sig = base64url_encode(mac(key, text));
    return text + std::string(sig_field) + sig;
}

std::optional<identity_fields> verify_identity_assertion(const key_ring& keys, std::string_view value,
                                                         std::chrono::system_clock::time_point now,
                                                         std::chrono::seconds max_age) {
    if (value.size() > 2048 || value.substr(0, 3) != "v1;") return std::nullopt;
    const auto at = value.rfind(sig_field);
    if (at == std::string_view::npos) return std::nullopt;
    const std::string_view signed_text = value.substr(0, at);
    const auto sig = base64url_decode(value.substr(at + sig_field.size()));
    std::map<std::string_view, std::string_view> fields;
    for (std::string_view rest = signed_text.substr(3); !rest.empty();) {
        const auto semi = rest.find(';');
        const std::string_view pair = rest.substr(0, semi);
        const auto eq = pair.find('=');
        if (eq == std::string_view::npos || !fields.emplace(pair.substr(0, eq), pair.substr(eq + 1)).second)
            return std::nullopt;
        rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
    }
    const key_ring::key* key = keys.find(fields["kid"]);
    if (!sig || !key) return std::nullopt;
    const std::string expected = mac(*key, signed_text);
    if (sig->size() != expected.size() || CRYPTO_memcmp(sig->data(), expected.data(), expected.size()) != 0)
        return std::nullopt;
    const auto ts = number(fields["ts"]);
    const auto uid = number(fields["uid"]);
    const auto aid = number(fields["aid"]);
    const auto email = base64url_decode(fields["email"]);
    if (!ts || !uid || !aid || !email) return std::nullopt;
    const std::int64_t now_s = unix_seconds(now);
    const auto issued = static_cast<std::int64_t>(*ts);
    if (issued > now_s + 60 || now_s - issued > max_age.count()) return std::nullopt;
    return identity_fields{*uid, *aid, *email, std::string(fields["site"]),
                           std::string(fields["rid"]), issued};
}

}  // namespace gangway
