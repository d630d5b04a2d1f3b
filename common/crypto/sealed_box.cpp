#include "common/crypto/sealed_box.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <memory>
#include <vector>

#include <openssl/crypto.h>
#include <stdexcept>

#include "common/crypto/base64url.hpp"

namespace gangway {
namespace {

constexpr unsigned char format_version = 1;
constexpr std::size_t nonce_bytes = 12;
constexpr std::size_t tag_bytes = 16;

// Cipher contexts per thread, each keeping its AES key schedule: expanding the key costs more
// than encrypting a cookie, so a context is set up once per (key, direction) and afterwards
// only given a new nonce. Matched by key bytes, not by pointer, so a reloaded ring with the
// same key reuses the context and a different key never does.
class context_cache {
public:
    EVP_CIPHER_CTX* get(const key_ring::key& key, bool encrypt) {
        for (auto& e : entries_)
            if (e.encrypt == encrypt && CRYPTO_memcmp(e.key.data(), key.bytes.data(), 32) == 0) return e.ctx.get();
        if (entries_.size() == max_entries) entries_.erase(entries_.begin());
        entry e{key.bytes, encrypt, context_ptr(EVP_CIPHER_CTX_new())};
        if (!e.ctx || EVP_CipherInit_ex(e.ctx.get(), EVP_aes_256_gcm(), nullptr, key.bytes.data(),
                                        nullptr, encrypt ? 1 : 0) != 1)
            throw std::runtime_error("AES-256-GCM context setup failed");
        entries_.push_back(std::move(e));
        return entries_.back().ctx.get();
    }
    ~context_cache() {
        for (auto& e : entries_) OPENSSL_cleanse(e.key.data(), e.key.size());
    }

private:
    struct deleter {
        void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
    };
    using context_ptr = std::unique_ptr<EVP_CIPHER_CTX, deleter>;
    struct entry {
        std::array<unsigned char, 32> key;
        bool encrypt;
        context_ptr ctx;
    };
    static constexpr std::size_t max_entries = 8;
    std::vector<entry> entries_;
};

EVP_CIPHER_CTX* thread_context(const key_ring::key& key, bool encrypt) {
    thread_local context_cache cache;
    return cache.get(key, encrypt);
}

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

std::string header(std::string_view key_id) {
    std::string h;
    h += static_cast<char>(format_version);
    h += static_cast<char>(key_id.size());
    h += key_id;
    return h;
}

bool add_aad(EVP_CIPHER_CTX* ctx, std::string_view purpose, std::string_view head) {
    int n = 0;
    const unsigned char zero = 0;
    return EVP_CipherUpdate(ctx, nullptr, &n, bytes(purpose), static_cast<int>(purpose.size())) == 1 &&
           EVP_CipherUpdate(ctx, nullptr, &n, &zero, 1) == 1 &&
           EVP_CipherUpdate(ctx, nullptr, &n, bytes(head), static_cast<int>(head.size())) == 1;
}

}  // namespace

std::string seal(const key_ring& keys, std::string_view purpose, std::string_view plaintext) {
    const key_ring::key& key = keys.newest();
    std::string out = header(key.id);
    const std::size_t head_size = out.size();
    out.resize(head_size + nonce_bytes + plaintext.size() + tag_bytes);
    unsigned char* nonce = bytes(out) + head_size;
    unsigned char* cipher = nonce + nonce_bytes;
    if (RAND_bytes(nonce, nonce_bytes) != 1) throw std::runtime_error("RAND_bytes failed");
    EVP_CIPHER_CTX* ctx = thread_context(key, true);
    int n = 0;
    int final_n = 0;
    const bool ok =
        EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce) == 1 &&
        add_aad(ctx, purpose, std::string_view(out.data(), head_size)) &&
        EVP_EncryptUpdate(ctx, cipher, &n, bytes(plaintext), static_cast<int>(plaintext.size())) == 1 &&
        EVP_EncryptFinal_ex(ctx, cipher + n, &final_n) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, tag_bytes, cipher + plaintext.size()) == 1;
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
    const key_ring::key* key = keys.find(std::string_view(*raw).substr(2, id_size));
    if (!key) return std::nullopt;
    const unsigned char* nonce = bytes(*raw) + head_size;
    const unsigned char* cipher = nonce + nonce_bytes;
    const std::size_t cipher_size = raw->size() - head_size - nonce_bytes - tag_bytes;
    std::string plain(cipher_size, '\0');
    EVP_CIPHER_CTX* ctx = thread_context(*key, false);
    int n = 0;
    int final_n = 0;
    std::string tag(reinterpret_cast<const char*>(cipher + cipher_size), tag_bytes);
    const bool ok =
        EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce) == 1 &&
        add_aad(ctx, purpose, std::string_view(*raw).substr(0, head_size)) &&
        EVP_DecryptUpdate(ctx, bytes(plain), &n, cipher, static_cast<int>(cipher_size)) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, tag_bytes, tag.data()) == 1 &&
        EVP_DecryptFinal_ex(ctx, bytes(plain) + n, &final_n) == 1;
    if (!ok) return std::nullopt;
    return plain;
}

}  // namespace gangway
