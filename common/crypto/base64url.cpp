#include "common/crypto/base64url.hpp"

#include <array>
#include <cstdint>

namespace gangway {
namespace {

constexpr std::string_view url_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view std_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string encode(std::string_view bytes, std::string_view alphabet, bool pad) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16 |
                                static_cast<unsigned char>(bytes[i + 1]) << 8 |
                                static_cast<unsigned char>(bytes[i + 2]);
        out += alphabet[v >> 18];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest == 0) return out;
    std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += alphabet[v >> 18];
    out += alphabet[(v >> 12) & 63];
    if (rest == 2) out += alphabet[(v >> 6) & 63];
    if (pad) out.append(rest == 1 ? 2 : 1, '=');
    return out;
}

// 0..63, 64 for "not in the alphabet".
std::array<std::uint8_t, 256> table(bool accept_url, bool accept_std) {
    std::array<std::uint8_t, 256> t{};
    t.fill(64);
    for (std::size_t i = 0; i < 64; ++i) {
        if (accept_url) t[static_cast<unsigned char>(url_alphabet[i])] = static_cast<std::uint8_t>(i);
        if (accept_std) t[static_cast<unsigned char>(std_alphabet[i])] = static_cast<std::uint8_t>(i);
    }
    return t;
}

std::optional<std::string> decode(std::string_view text, const std::array<std::uint8_t, 256>& t) {
    if (text.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(text.size() * 3 / 4);
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : text) {
        const std::uint8_t v = t[static_cast<unsigned char>(c)];
        if (v == 64) return std::nullopt;
        acc = acc << 6 | v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xff);
        }
    }
    // Leftover bits must be zero, so every byte string has exactly one encoding.
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}

}  // namespace

std::string base64url_encode(std::string_view bytes) { return encode(bytes, url_alphabet, false); }

std::optional<std::string> base64url_decode(std::string_view text) {
    static const auto t = table(true, false);
    return decode(text, t);
}

std::string base64_encode(std::string_view bytes) { return encode(bytes, std_alphabet, true); }

std::optional<std::string> base64_decode_any(std::string_view text) {
    static const auto t = table(true, true);
    while (!text.empty() && text.back() == '=') text.remove_suffix(1);
    return decode(text, t);
}

}  // namespace gangway
