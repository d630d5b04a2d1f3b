#include "common/crypto/base64url.hpp"

#include <array>
#include <cstdint>

namespace gangway {
namespace {

constexpr std::string_view url_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view std_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Appends the encoding to `out`, written through a pointer into space sized up front (an
// assertion encodes on every authenticated request; a per-character append checks capacity
// each time).
void encode_into(std::string& out, std::string_view bytes, std::string_view alphabet, bool pad) {
    const std::size_t rest = bytes.size() % 3;
    const std::size_t chars = bytes.size() / 3 * 4 + (rest ? (pad ? 4 : rest + 1) : 0);
    const std::size_t at = out.size();
    out.resize(at + chars);
    char* o = out.data() + at;
    const auto* in = reinterpret_cast<const unsigned char*>(bytes.data());
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3, o += 4) {
        const std::uint32_t v = std::uint32_t{in[i]} << 16 | std::uint32_t{in[i + 1]} << 8 | in[i + 2];
        o[0] = alphabet[v >> 18];
        o[1] = alphabet[(v >> 12) & 63];
        o[2] = alphabet[(v >> 6) & 63];
        o[3] = alphabet[v & 63];
    }
    if (rest == 0) return;
    std::uint32_t v = std::uint32_t{in[i]} << 16;
    if (rest == 2) v |= std::uint32_t{in[i + 1]} << 8;
    *o++ = alphabet[v >> 18];
    *o++ = alphabet[(v >> 12) & 63];
    if (rest == 2) *o++ = alphabet[(v >> 6) & 63];
    if (pad) *o++ = '=';
    if (pad && rest == 1) *o++ = '=';
}

std::string encode(std::string_view bytes, std::string_view alphabet, bool pad) {
    std::string out;
    encode_into(out, bytes, alphabet, pad);
    return out;
}

using decode_table = std::array<std::uint8_t, 256>;

// 0..63, 64 for "not in the alphabet": bit 6 set marks a bad character, so OR-ing the values
// of a group tests the whole group at once.
constexpr std::uint32_t bad_char = 64;

decode_table table(bool accept_url, bool accept_std) {
    decode_table t{};
    t.fill(bad_char);
    for (std::size_t i = 0; i < 64; ++i) {
        if (accept_url) t[static_cast<unsigned char>(url_alphabet[i])] = static_cast<std::uint8_t>(i);
        if (accept_std) t[static_cast<unsigned char>(std_alphabet[i])] = static_cast<std::uint8_t>(i);
    }
    return t;
}

// The last 2 or 3 characters of an unpadded text (1 or 2 bytes). Their leftover low bits must
// be zero, so every byte string has exactly one encoding. Returns the OR of the values read,
// with bad_char set when the leftover bits are not zero.
std::uint32_t decode_tail(const unsigned char* in, std::size_t rest, const decode_table& t,
                          char* out) {
    const std::uint32_t a = t[in[0]], b = t[in[1]];
    out[0] = static_cast<char>(a << 2 | b >> 4);
    if (rest == 2) return a | b | ((b & 0x0f) ? bad_char : 0);
    const std::uint32_t c = t[in[2]];
    out[1] = static_cast<char>((b << 4 | c >> 2) & 0xff);
    return a | b | c | ((c & 0x03) ? bad_char : 0);
}

// Four characters (three bytes) per step into an output sized up front, with one validity
// test for the whole text at the end: opening a session cookie decodes ~175 characters on
// every authenticated request, and a per-character append costs a capacity check each.
std::optional<std::string> decode(std::string_view text, const decode_table& t) {
    const std::size_t rest = text.size() % 4;
    if (rest == 1) return std::nullopt;
    const std::size_t groups = text.size() / 4;
    std::string out(groups * 3 + (rest ? rest - 1 : 0), '\0');
    const auto* in = reinterpret_cast<const unsigned char*>(text.data());
    char* o = out.data();
    std::uint32_t seen = 0;  // OR of every value: bad_char set if any character was bad
    for (std::size_t g = 0; g < groups; ++g, in += 4, o += 3) {
        const std::uint32_t a = t[in[0]], b = t[in[1]], c = t[in[2]], d = t[in[3]];
        seen |= a | b | c | d;
        const std::uint32_t v = a << 18 | b << 12 | c << 6 | d;
        o[0] = static_cast<char>((v >> 16) & 0xff);
        o[1] = static_cast<char>((v >> 8) & 0xff);
        o[2] = static_cast<char>(v & 0xff);
    }
    if (rest) seen |= decode_tail(in, rest, t, o);
    if (seen & bad_char) return std::nullopt;
    return out;
}

}  // namespace

std::string base64url_encode(std::string_view bytes) { return encode(bytes, url_alphabet, false); }

void base64url_append(std::string& out, std::string_view bytes) {
    encode_into(out, bytes, url_alphabet, false);
}

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
