#include "common/crypto/sealed_box.hpp"

#include <openssl/rand.h>

#include <span>
#include <stdexcept>

#include "common/crypto/aes_gcm.hpp"
#include "common/crypto/base64url.hpp"

namespace gangway {
namespace {

constexpr unsigned char format_version = 1;
constexpr std::size_t nonce_bytes = aes_gcm_nonce_bytes;
constexpr std::size_t tag_bytes = aes_gcm_tag_bytes;

unsigned char* bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

std::string header(std::string_view key_id) {
    std::string h;
    h += static_cast<char>(format_version);
    h += static_cast<char>(key_id.size());
    h += key_id;
    return h;
}

// The associated data is purpose || 0x00 || header, handed to AES-GCM as pieces so nothing is
// copied. Changing it changes what every sealed value authenticates.
constexpr char purpose_end = '\0';

}  // namespace

std::string seal(const key_ring& keys, std::string_view purpose, std::string_view plaintext) {
    const key_ring::key& key = keys.newest();
    std::string out = header(key.id);
    const std::size_t head_size = out.size();
    out.resize(head_size + nonce_bytes + plaintext.size() + tag_bytes);
    if (RAND_bytes(bytes(out) + head_size, nonce_bytes) != 1)
        throw std::runtime_error("RAND_bytes failed");
    const std::string_view framed(out);
    const bool ok = aes_gcm_seal(
        key.bytes, framed.substr(head_size, nonce_bytes),
        {purpose, std::string_view(&purpose_end, 1), framed.substr(0, head_size)}, plaintext,
        std::span(bytes(out) + head_size + nonce_bytes, plaintext.size() + tag_bytes));
    if (!ok) throw std::runtime_error("AES-256-GCM seal failed");
    return base64url_encode(out);
}

std::optional<std::string> open_sealed(const key_ring& keys, std::string_view purpose,
                                       std::string_view sealed, std::size_t max_bytes) {
    if (sealed.size() > max_bytes) return std::nullopt;
    const auto raw = base64url_decode(sealed);
    if (!raw || raw->size() < 2 || static_cast<unsigned char>((*raw)[0]) != format_version)
        return std::nullopt;
    const std::size_t id_size = static_cast<unsigned char>((*raw)[1]);
    const std::size_t head_size = 2 + id_size;
    if (raw->size() < head_size + nonce_bytes + tag_bytes) return std::nullopt;
    const std::string_view framed(*raw);
    const key_ring::key* key = keys.find(framed.substr(2, id_size));
    if (!key) return std::nullopt;
    const std::string_view cipher = framed.substr(head_size + nonce_bytes);
    std::string plain(cipher.size() - tag_bytes, '\0');
    if (!aes_gcm_open(key->bytes, framed.substr(head_size, nonce_bytes),
                      {purpose, std::string_view(&purpose_end, 1), framed.substr(0, head_size)},
                      cipher, std::span(bytes(plain), plain.size())))
        return std::nullopt;
    return plain;
}

}  // namespace gangway
