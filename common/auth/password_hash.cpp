#include "common/auth/password_hash.hpp"

#include <argon2.h>
#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "common/crypto/base64url.hpp"

namespace gangway {
namespace {

constexpr std::string_view django_bcrypt_prefix = "bcrypt$";
constexpr std::string_view django_argon2_prefix = "argon2";
constexpr std::string_view pbkdf2_prefix = "pbkdf2_sha256$";

// Made at authoring time (python3's crypt and hashlib, libargon2's argon2*_hash_encoded) from
// a password nobody uses. Only their parameters matter.
constexpr std::string_view dummy_bcrypt =
    "$2b$10$GangwayDummySaltBcrypeIBqbsSU5dgwdwYICBYRn/5C.ql0p/sq";
constexpr std::string_view dummy_pbkdf2 =
    "pbkdf2_sha256$600000$GangwayDummySalt0001$coUnHnzukC1n224nQEDg9AVuxFkoZnV3bQq/aLTjbV0=";
constexpr std::string_view dummy_argon2id =
    "$argon2id$v=19$m=65536,t=3,p=4$CzBVep/"
    "E6Q4zWH2ix+wRNg$qY8ldiZ0KhLFys+g5vDgl6qKJyFhpC6OO2vb28sVF+s";
constexpr std::string_view dummy_argon2i =
    "$argon2i$v=19$m=65536,t=3,p=4$CzBVep/E6Q4zWH2ix+wRNg$WJye5BR4KWbMTDIRTM1Qsn/w2mYdHvJ/"
    "hFbUrd7G8/c";

// Zeroes a copy of secret material on every exit path.
class wiped_string {
public:
    explicit wiped_string(std::string_view s) : value_(s) {}
    wiped_string(const wiped_string&) = delete;
    wiped_string& operator=(const wiped_string&) = delete;
    ~wiped_string() { OPENSSL_cleanse(value_.data(), value_.size()); }
    const char* c_str() const noexcept { return value_.c_str(); }

private:
    std::string value_;
};

// A decimal as hash formats write it: digits only, no sign, no leading zero, no overflow.
std::optional<std::uint32_t> parse_decimal(std::string_view s) {
    if (s.empty() || s.size() > 10 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
    std::uint32_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return v;
}

bool is_std_base64_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

// Standard alphabet only (base64_decode_any would also take the URL alphabet). `padded`:
// the text must be a whole number of 4-character groups with '=' padding (Django); otherwise
// it must carry no padding at all (PHC strings).
std::optional<std::string> decode_std_base64(std::string_view text, bool padded) {
    std::string_view body = text;
    if (padded) {
        if (text.empty() || text.size() % 4 != 0) return std::nullopt;
        std::size_t pad = 0;
        while (pad < 2 && !body.empty() && body.back() == '=') {
            body.remove_suffix(1);
            ++pad;
        }
    }
    if (body.empty() || !std::all_of(body.begin(), body.end(), is_std_base64_char))
        return std::nullopt;
    return base64_decode_any(body);
}

// ---- bcrypt -----------------------------------------------------------------------------------

constexpr std::string_view bcrypt_alphabet =
    "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::size_t bcrypt_length = 60;  // "$2b$" "NN" "$" 22 salt + 31 hash
constexpr std::size_t bcrypt_max_key_bytes = 72;
constexpr std::size_t bcrypt_checksum_offset = 29;  // after "$2b$NN$" and the 22-char salt

std::string_view strip_django_bcrypt(std::string_view stored) {
    if (stored.starts_with(django_bcrypt_prefix)) stored.remove_prefix(django_bcrypt_prefix.size());
    return stored;
}

bool has_bcrypt_prefix(std::string_view s) {
    return s.size() >= 4 && s[0] == '$' && s[1] == '2' &&
           (s[2] == 'a' || s[2] == 'b' || s[2] == 'y') && s[3] == '$';
}

verify_result verify_bcrypt(std::string_view password, std::string_view stored,
                            const verify_limits& limits) {
    stored = strip_django_bcrypt(stored);
    if (stored.size() != bcrypt_length || !has_bcrypt_prefix(stored) || stored[6] != '$') {
        return verify_result::refused;
    }
    // Always two digits ("05"), so parse_decimal's no-leading-zero rule does not apply here.
    const char tens = stored[4], units = stored[5];
    if (tens < '0' || tens > '9' || units < '0' || units > '9') return verify_result::refused;
    const unsigned rounds = static_cast<unsigned>((tens - '0') * 10 + (units - '0'));
    if (rounds < 4 || rounds > 31 || rounds > limits.max_bcrypt_cost) return verify_result::refused;
    const auto tail = stored.substr(7);
    if (tail.find_first_not_of(bcrypt_alphabet) != std::string_view::npos)
        return verify_result::refused;

    // crypt_rn reads a C string: a password with a NUL would be checked by its prefix only.
    const bool has_nul = password.find('\0') != std::string_view::npos;
    // bcrypt's key schedule reads at most 72 bytes, so this prefix is equivalent, and it keeps
    // long passwords under libxcrypt's own 512-byte phrase limit (over it crypt_rn fails).
    const wiped_string phrase(password.substr(0, bcrypt_max_key_bytes));
    const std::string setting(stored);
    // crypt_data is ~32 KiB: on the heap, one per call, so worker threads share nothing.
    auto data = std::make_unique<crypt_data>();
    const char* out = crypt_rn(phrase.c_str(), setting.c_str(), data.get(), sizeof(crypt_data));
    verify_result result = verify_result::refused;  // libxcrypt rejected the setting
    if (out != nullptr && out[0] != '*') {
        // Only the 31-character checksum is compared: libxcrypt re-encodes the salt
        // canonically, so a stored salt whose last character carries unused low bits (some
        // other implementations write those) would otherwise never match.
        const bool same =
            std::strlen(out) == stored.size() &&
            CRYPTO_memcmp(out + bcrypt_checksum_offset, stored.data() + bcrypt_checksum_offset,
                          bcrypt_length - bcrypt_checksum_offset) == 0;
        result = same && !has_nul ? verify_result::match : verify_result::mismatch;
    }
    OPENSSL_cleanse(data.get(), sizeof(crypt_data));
    return result;
}

// ---- Django pbkdf2_sha256 -------------------------------------------------------------------

constexpr std::size_t pbkdf2_key_bytes = 32;  // Django: dklen = SHA-256's digest size
constexpr std::size_t max_salt_bytes = 128;

verify_result verify_pbkdf2(std::string_view password, std::string_view stored,
                            const verify_limits& limits) {
    std::string_view rest = stored.substr(pbkdf2_prefix.size());
    const auto first = rest.find('$');
    if (first == std::string_view::npos) return verify_result::refused;
    const auto iterations = parse_decimal(rest.substr(0, first));
    rest.remove_prefix(first + 1);
    const auto second = rest.find('$');
    if (second == std::string_view::npos) return verify_result::refused;
    const std::string_view salt = rest.substr(0, second);
    const std::string_view encoded_key = rest.substr(second + 1);

    if (!iterations || *iterations == 0 || *iterations > limits.max_pbkdf2_iterations) {
        return verify_result::refused;
    }
    if (salt.empty() || salt.size() > max_salt_bytes ||
        !std::all_of(salt.begin(), salt.end(), [](char c) { return c > 0x20 && c < 0x7f; })) {
        return verify_result::refused;
    }
    const auto expected = decode_std_base64(encoded_key, true);
    if (!expected || expected->size() != pbkdf2_key_bytes) return verify_result::refused;

    std::array<unsigned char, pbkdf2_key_bytes> derived{};
    static const char empty[] = "";
    const char* pass = password.empty() ? empty : password.data();
    const int ok =
        PKCS5_PBKDF2_HMAC(pass, static_cast<int>(password.size()),
                          reinterpret_cast<const unsigned char*>(salt.data()),
                          static_cast<int>(salt.size()), static_cast<int>(*iterations),
                          EVP_sha256(), static_cast<int>(derived.size()), derived.data());
    if (ok != 1) return verify_result::refused;
    const bool same = CRYPTO_memcmp(derived.data(), expected->data(), derived.size()) == 0;
    OPENSSL_cleanse(derived.data(), derived.size());
    return same ? verify_result::match : verify_result::mismatch;
}

// ---- argon2 ----------------------------------------------------------------------------------

constexpr std::size_t argon2_min_salt_bytes = 8;    // ARGON2_MIN_SALT_LENGTH
constexpr std::size_t argon2_min_hash_bytes = 4;    // ARGON2_MIN_OUTLEN
constexpr std::size_t argon2_max_hash_bytes = 128;  // real ones are 16..64

std::string_view strip_django_argon2(std::string_view stored) {
    if (stored.starts_with(django_argon2_prefix) && stored.size() > django_argon2_prefix.size() &&
        stored[django_argon2_prefix.size()] == '$') {
        stored.remove_prefix(django_argon2_prefix.size());
    }
    return stored;
}

bool consume(std::string_view& s, std::string_view prefix) {
    if (!s.starts_with(prefix)) return false;
    s.remove_prefix(prefix.size());
    return true;
}

// "<key>=<decimal>" up to (not including) `stop`, which is consumed too.
std::optional<std::uint32_t> consume_param(std::string_view& s, std::string_view key, char stop) {
    if (!consume(s, key)) return std::nullopt;
    const auto end = s.find(stop);
    if (end == std::string_view::npos) return std::nullopt;
    const auto value = parse_decimal(s.substr(0, end));
    s.remove_prefix(end + 1);
    return value;
}

// Parses the whole PHC string ourselves, with the same grammar libargon2's decoder uses, so
// memory, passes and lanes are checked against the limits before libargon2 allocates anything.
verify_result verify_argon2(std::string_view password, std::string_view stored, hash_scheme scheme,
                            const verify_limits& limits) {
    stored = strip_django_argon2(stored);
    std::string_view s = stored;
    if (!consume(s, scheme == hash_scheme::argon2id ? "$argon2id$" : "$argon2i$")) {
        return verify_result::refused;
    }
    const auto version = consume_param(s, "v=", '$');
    const auto memory = consume_param(s, "m=", ',');
    const auto time = consume_param(s, "t=", ',');
    const auto lanes = consume_param(s, "p=", '$');
    if (!version || (*version != ARGON2_VERSION_13 && *version != ARGON2_VERSION_10)) {
        return verify_result::refused;
    }
    if (!memory || !time || !lanes) return verify_result::refused;
    if (*lanes < 1 || *lanes > limits.max_argon2_parallelism) return verify_result::refused;
    if (*time < 1 || *time > limits.max_argon2_time) return verify_result::refused;
    if (*memory < 8u * *lanes || *memory > limits.max_argon2_memory_kib)
        return verify_result::refused;

    const auto dollar = s.find('$');
    if (dollar == std::string_view::npos) return verify_result::refused;
    const auto salt = decode_std_base64(s.substr(0, dollar), false);
    const auto hash = decode_std_base64(s.substr(dollar + 1), false);
    if (!salt || salt->size() < argon2_min_salt_bytes || salt->size() > max_salt_bytes) {
        return verify_result::refused;
    }
    if (!hash || hash->size() < argon2_min_hash_bytes || hash->size() > argon2_max_hash_bytes) {
        return verify_result::refused;
    }

    const std::string encoded(stored);
    const argon2_type type = scheme == hash_scheme::argon2id ? Argon2_id : Argon2_i;
    // libargon2 compares in constant time and wipes its own buffers.
    const int rc = argon2_verify(encoded.c_str(), password.data(), password.size(), type);
    if (rc == ARGON2_OK) return verify_result::match;
    if (rc == ARGON2_VERIFY_MISMATCH) return verify_result::mismatch;
    return verify_result::refused;
}

// The dummy hashes are ours, not a hostile row: verify them even under limits tighter than
// their (typical) parameters, so dummy_verify never degrades into an instant refusal.
verify_limits admitting_dummies(verify_limits limits) {
    limits.max_bcrypt_cost = std::max(limits.max_bcrypt_cost, 10u);
    limits.max_pbkdf2_iterations = std::max<std::uint32_t>(limits.max_pbkdf2_iterations, 600000);
    limits.max_argon2_memory_kib = std::max<std::uint32_t>(limits.max_argon2_memory_kib, 65536);
    limits.max_argon2_time = std::max<std::uint32_t>(limits.max_argon2_time, 3);
    limits.max_argon2_parallelism = std::max<std::uint32_t>(limits.max_argon2_parallelism, 4);
    return limits;
}

}  // namespace

hash_scheme scheme_of(std::string_view stored) noexcept {
    if (has_bcrypt_prefix(strip_django_bcrypt(stored))) return hash_scheme::bcrypt;
    if (stored.starts_with(pbkdf2_prefix)) return hash_scheme::pbkdf2_sha256;
    const auto phc = strip_django_argon2(stored);
    if (phc.starts_with("$argon2id$")) return hash_scheme::argon2id;
    if (phc.starts_with("$argon2i$")) return hash_scheme::argon2i;
    return hash_scheme::unknown;
}

std::string_view hash_scheme_name(hash_scheme s) noexcept {
    switch (s) {
        case hash_scheme::bcrypt:
            return "bcrypt";
        case hash_scheme::pbkdf2_sha256:
            return "pbkdf2_sha256";
        case hash_scheme::argon2id:
            return "argon2id";
        case hash_scheme::argon2i:
            return "argon2i";
        case hash_scheme::unknown:
            break;
    }
    return "unknown";
}

verify_result verify_password(std::string_view password, std::string_view stored,
                              const verify_limits& limits) {
    if (password.size() > limits.max_password_bytes) return verify_result::refused;
    if (stored.size() > max_stored_hash_bytes) return verify_result::refused;
    switch (const auto scheme = scheme_of(stored)) {
        case hash_scheme::bcrypt:
            return verify_bcrypt(password, stored, limits);
        case hash_scheme::pbkdf2_sha256:
            return verify_pbkdf2(password, stored, limits);
        case hash_scheme::argon2id:
        case hash_scheme::argon2i:
            return verify_argon2(password, stored, scheme, limits);
        case hash_scheme::unknown:
            break;
    }
    return verify_result::refused;
}

std::string_view dummy_stored_hash(hash_scheme scheme) noexcept {
    switch (scheme) {
        case hash_scheme::pbkdf2_sha256:
            return dummy_pbkdf2;
        case hash_scheme::argon2id:
            return dummy_argon2id;
        case hash_scheme::argon2i:
            return dummy_argon2i;
        case hash_scheme::bcrypt:
        case hash_scheme::unknown:
            break;
    }
    return dummy_bcrypt;
}

void dummy_verify(std::string_view password, hash_scheme scheme, const verify_limits& limits) {
    // An oversized password would be refused instantly; hash its allowed prefix instead so
    // this call always spends the time.
    password = password.substr(0, limits.max_password_bytes);
    (void)verify_password(password, dummy_stored_hash(scheme), admitting_dummies(limits));
}

void dummy_verify(std::string_view password, std::string_view representative_stored,
                  const verify_limits& limits) {
    password = password.substr(0, limits.max_password_bytes);
    if (verify_password(password, representative_stored, limits) != verify_result::refused) return;
    (void)verify_password(password, dummy_stored_hash(hash_scheme::bcrypt),
                          admitting_dummies(limits));
}

}  // namespace gangway
