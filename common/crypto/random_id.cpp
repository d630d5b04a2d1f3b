#include "common/crypto/random_id.hpp"

#include <openssl/rand.h>

#include <stdexcept>

namespace gangway {
namespace {

constexpr std::string_view hex_digits = "0123456789abcdef";

}  // namespace

std::string to_hex(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char b : bytes) {
        out += hex_digits[b >> 4];
        out += hex_digits[b & 15];
    }
    return out;
}

std::string from_hex(std::string_view hex) {
    std::string out(hex.size() / 2, '\0');
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = static_cast<char>(hex_digits.find(hex[2 * i]) << 4 | hex_digits.find(hex[2 * i + 1]));
    return out;
}

std::string random_hex_id() {
    unsigned char raw[16];
    if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("RAND_bytes failed");
    return to_hex(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
}

bool is_hex_id(std::string_view s) noexcept {
    if (s.size() != 32) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

}  // namespace gangway
