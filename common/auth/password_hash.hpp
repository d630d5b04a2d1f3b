#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace gangway {

// Verification of the password hashes an upstream app already stores in its users table.
// Gangway never creates these hashes; it only checks a typed password against one.
//
// Accepted stored formats (anything else is hash_scheme::unknown and refused):
//   bcrypt         $2a$NN$<53>, $2b$NN$<53>, $2y$NN$<53>  (libxcrypt), also Django's
//                  "bcrypt$" + that. $2x$ (the buggy pre-2011 variant) is not accepted.
//   pbkdf2_sha256  Django's pbkdf2_sha256$<iterations>$<salt>$<base64 of the 32-byte key>
//   argon2id/i     PHC strings $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>
//                  (salt and hash unpadded base64; v=16 accepted too; a missing v= is not),
//                  also Django's "argon2" + that.
//
// Blocking and CPU-heavy by design: call it from the password-hashing pool, never from an
// I/O thread. Thread-safe: no shared state (libxcrypt's reentrant crypt_rn, one crypt_data
// per call). All comparisons of derived keys are constant-time.
//
// Django's bcrypt_sha256 (and older md5/sha1/crypt) hashers are not supported.

enum class hash_scheme { bcrypt, pbkdf2_sha256, argon2id, argon2i, unknown };

// Recognises the scheme from the prefix only; says nothing about whether the rest is well
// formed (verify_password decides that).
hash_scheme scheme_of(std::string_view stored) noexcept;

std::string_view hash_scheme_name(hash_scheme s) noexcept;

// Upper bounds on what a stored hash may ask for, so a corrupted or hostile row cannot make
// one login cost minutes of CPU or gigabytes of memory. Parameters over a limit are refused
// before any hashing happens.
struct verify_limits {
    unsigned max_bcrypt_cost = 14;  // log2 rounds; bcrypt itself allows 4..31
    std::uint32_t max_pbkdf2_iterations = 2'000'000;
    std::uint32_t max_argon2_memory_kib = 262144;  // 256 MiB per verification
    std::uint32_t max_argon2_time = 10;            // passes
    std::uint32_t max_argon2_parallelism = 8;      // lanes (libargon2 runs one thread per lane)
    std::size_t max_password_bytes = 1024;
};

// Stored hashes longer than this are refused without parsing: the longest legitimate ones
// (argon2 with long salts and outputs) are a little over 100 bytes.
inline constexpr std::size_t max_stored_hash_bytes = 512;

enum class verify_result {
    match,
    mismatch,
    refused,  // malformed or absurd parameters, unknown scheme, or an oversized password:
              // refused quickly without hashing (see dummy_verify for keeping the timing)
};

// Checks `password` (raw bytes, as typed; no normalisation) against `stored`.
//   - A password longer than limits.max_password_bytes is refused before any hashing.
//   - bcrypt only uses the first 72 bytes of a password: two passwords that share their
//     first 72 bytes both match. This is bcrypt's definition, kept for compatibility with
//     the hashes the upstream app wrote.
//   - bcrypt takes a C string, so a password with a NUL byte can never match a bcrypt hash
//     (it is hashed anyway, so the answer takes as long as any other mismatch). pbkdf2 and
//     argon2 hash all bytes, NULs included, as Django does.
//   - The empty password is verified like any other: it matches a hash of the empty string.
//     Whether an empty password may be submitted at all is the login form's policy.
// A `refused` answer is returned in microseconds; the caller that must not reveal *why* a
// login failed spends the time with dummy_verify.
verify_result verify_password(std::string_view password, std::string_view stored,
                              const verify_limits& limits);

// A well-formed stored hash of a secret password with typical parameters for `scheme`:
//   bcrypt $2b$10, pbkdf2_sha256 600000 iterations (Django 4.2's default),
//   argon2id/argon2i m=65536,t=3,p=4 (argon2-cffi's default). unknown: the bcrypt one.
std::string_view dummy_stored_hash(hash_scheme scheme) noexcept;

// Spends about as long as verify_password on a wrong password with dummy_stored_hash(scheme)'s
// parameters, and throws the answer away: for unknown emails (and refused rows), so they cost
// as much as wrong passwords. Timing only matches when the site's real hashes use those
// parameters; a site whose hashes differ should use the overload below with one of its own
// hashes (or one with the same parameters) as the representative.
void dummy_verify(std::string_view password, hash_scheme scheme, const verify_limits& limits);

// As above, against `representative_stored` (a hash with the site's usual parameters). Falls
// back to dummy_stored_hash(bcrypt) when the representative would itself be refused, so the
// caller always spends time.
void dummy_verify(std::string_view password, std::string_view representative_stored,
                  const verify_limits& limits);

}  // namespace gangway
