#include "common/crypto/aes_gcm.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <climits>
#include <memory>
#include <stdexcept>
#include <vector>

namespace gangway {
namespace {

// Cipher contexts per thread, each keeping its AES key schedule: expanding the key costs more
// than encrypting a cookie, so a context is set up once per (key, direction) and afterwards
// only given a new nonce. Matched by key bytes, not by pointer, so a reloaded ring with the
// same key reuses the context and a different key never does.
class context_cache {
public:
    EVP_CIPHER_CTX* get(const aes_gcm_key& key, bool encrypt) {
        for (auto& e : entries_)
            if (e.encrypt == encrypt && CRYPTO_memcmp(e.key.data(), key.data(), key.size()) == 0)
                return e.ctx.get();
        if (entries_.size() == max_entries) entries_.erase(entries_.begin());
        entry e{key, encrypt, context_ptr(EVP_CIPHER_CTX_new())};
        if (!e.ctx || EVP_CipherInit_ex(e.ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(),
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
        aes_gcm_key key;
        bool encrypt;
        context_ptr ctx;
    };
    static constexpr std::size_t max_entries = 8;
    std::vector<entry> entries_;
};

EVP_CIPHER_CTX* thread_context(const aes_gcm_key& key, bool encrypt) {
    thread_local context_cache cache;
    return cache.get(key, encrypt);
}

const unsigned char* bytes(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

// OpenSSL counts in int.
bool fits_int(std::size_t n) { return n <= static_cast<std::size_t>(INT_MAX); }

// Installs the nonce (the context keeps its key) and authenticates the aad pieces.
bool start(EVP_CIPHER_CTX* ctx, std::string_view nonce, aes_gcm_aad aad) {
    if (EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, bytes(nonce), -1) != 1) return false;
    for (const std::string_view piece : aad) {
        int n = 0;
        if (!fits_int(piece.size()) ||
            EVP_CipherUpdate(ctx, nullptr, &n, bytes(piece), static_cast<int>(piece.size())) != 1)
            return false;
    }
    return true;
}

// En- or decrypts `in` into `out`. Skipped for no bytes: OpenSSL reads a null output pointer
// as "this is aad", and an empty span may have one.
bool update(EVP_CIPHER_CTX* ctx, unsigned char* out, int* n, std::string_view in) {
    *n = 0;
    return in.empty() || EVP_CipherUpdate(ctx, out, n, bytes(in), static_cast<int>(in.size())) == 1;
}

void wipe(std::span<unsigned char> out) {
    if (!out.empty()) OPENSSL_cleanse(out.data(), out.size());
}

}  // namespace

bool aes_gcm_seal(const aes_gcm_key& key, std::string_view nonce, aes_gcm_aad aad,
                  std::string_view plaintext, std::span<unsigned char> out) {
    if (nonce.size() != aes_gcm_nonce_bytes || !fits_int(plaintext.size()) ||
        out.size() != plaintext.size() + aes_gcm_tag_bytes)
        return false;
    EVP_CIPHER_CTX* ctx = thread_context(key, true);
    int n = 0;
    int final_n = 0;
    return start(ctx, nonce, aad) && update(ctx, out.data(), &n, plaintext) &&
           EVP_EncryptFinal_ex(ctx, out.data() + n, &final_n) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, aes_gcm_tag_bytes,
                               out.data() + plaintext.size()) == 1;
}

bool aes_gcm_open(const aes_gcm_key& key, std::string_view nonce, aes_gcm_aad aad,
                  std::string_view sealed, std::span<unsigned char> out) {
    if (nonce.size() != aes_gcm_nonce_bytes || sealed.size() < aes_gcm_tag_bytes ||
        !fits_int(sealed.size()) || out.size() != sealed.size() - aes_gcm_tag_bytes) {
        wipe(out);
        return false;
    }
    const std::string_view cipher = sealed.substr(0, out.size());
    // EVP_CTRL_GCM_SET_TAG takes a non-const pointer.
    std::array<unsigned char, aes_gcm_tag_bytes> tag{};
    sealed.substr(cipher.size()).copy(reinterpret_cast<char*>(tag.data()), tag.size());
    EVP_CIPHER_CTX* ctx = thread_context(key, false);
    int n = 0;
    int final_n = 0;
    // GCM's final step writes no bytes, but wants somewhere to write them even when `out` is
    // an empty span without storage.
    unsigned char nothing = 0;
    const bool ok =
        start(ctx, nonce, aad) && update(ctx, out.data(), &n, cipher) &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, aes_gcm_tag_bytes, tag.data()) == 1 &&
        EVP_DecryptFinal_ex(ctx, out.empty() ? &nothing : out.data() + n, &final_n) == 1;
    if (!ok) wipe(out);
    return ok;
}

}  // namespace gangway
