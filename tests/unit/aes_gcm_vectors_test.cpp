#include "common/crypto/aes_gcm.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/crypto/base64url.hpp"
#include "common/crypto/key_ring.hpp"
#include "common/crypto/sealed_box.hpp"

namespace gangway {
namespace {

// tests/vectors/aes_gcm.json (made by tests/vectors/make_aes_gcm_vectors.py with
// python3-cryptography, Wycheproof's layout, the GCM specification's AES-256 cases included):
// first through aes_gcm_seal/aes_gcm_open, the step seal() and open_sealed() use, with the
// vector's own key, nonce and aad; then the "SealedBoxTest" group, whose aad is sealed_box's,
// framed as sealed texts through open_sealed() itself.

using nlohmann::json;

struct gcm_case {
    int id = 0;
    std::string comment;
    std::vector<std::string> flags;
    aes_gcm_key key{};
    std::string iv, aad, msg, ct, tag;
    bool valid = false;
    std::string purpose, key_id;  // SealedBoxTest only

    std::string sealed() const { return ct + tag; }
    bool has_flag(std::string_view f) const {
        return std::find(flags.begin(), flags.end(), f) != flags.end();
    }
};

const json& document() {
    static const json doc = [] {
        std::ifstream in(GANGWAY_VECTORS_DIR "/aes_gcm.json");
        if (!in) throw std::runtime_error("cannot read " GANGWAY_VECTORS_DIR "/aes_gcm.json");
        return json::parse(in);
    }();
    return doc;
}

std::string unhex(const std::string& hex) {
    if (hex.size() % 2 != 0) throw std::invalid_argument("odd hex: " + hex);
    std::string out;
    for (std::size_t i = 0; i < hex.size(); i += 2)
        out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    return out;
}

// The cases of every group of `type` ("AeadTest", "SealedBoxTest"), or of all groups.
std::vector<gcm_case> cases(std::string_view type = {}) {
    std::vector<gcm_case> out;
    for (const json& group : document()["testGroups"]) {
        if (!type.empty() && group["type"] != type) continue;
        for (const json& t : group["tests"]) {
            gcm_case c;
            c.id = t["tcId"].get<int>();
            c.comment = t["comment"].get<std::string>();
            c.flags = t["flags"].get<std::vector<std::string>>();
            const std::string key = unhex(t["key"].get<std::string>());
            if (key.size() != c.key.size()) throw std::invalid_argument("key size: " + c.comment);
            std::copy(key.begin(), key.end(), c.key.begin());
            c.iv = unhex(t["iv"].get<std::string>());
            c.aad = unhex(t["aad"].get<std::string>());
            c.msg = unhex(t["msg"].get<std::string>());
            c.ct = unhex(t["ct"].get<std::string>());
            c.tag = unhex(t["tag"].get<std::string>());
            c.valid = t["result"] == "valid";
            c.purpose = t.value("purpose", "");
            c.key_id = t.value("keyId", "");
            out.push_back(std::move(c));
        }
    }
    return out;
}

std::string trace(const gcm_case& c) { return "tcId " + std::to_string(c.id) + ": " + c.comment; }

std::span<unsigned char> span_of(std::string& s) {
    return {reinterpret_cast<unsigned char*>(s.data()), s.size()};
}

// ---- the AES-GCM step ------------------------------------------------------------------------

TEST(AesGcmVectors, ValidCasesOpenToTheMessage) {
    int checked = 0;
    for (const gcm_case& c : cases()) {
        if (!c.valid) continue;
        SCOPED_TRACE(trace(c));
        std::string plain(c.msg.size(), 'x');
        ASSERT_TRUE(aes_gcm_open(c.key, c.iv, {c.aad}, c.sealed(), span_of(plain)));
        EXPECT_EQ(plain, c.msg);
        ++checked;
    }
    EXPECT_GE(checked, 20);
}

TEST(AesGcmVectors, ValidCasesSealToTheCiphertextAndTag) {
    for (const gcm_case& c : cases()) {
        if (!c.valid) continue;
        SCOPED_TRACE(trace(c));
        std::string sealed(c.msg.size() + aes_gcm_tag_bytes, '\0');
        ASSERT_TRUE(aes_gcm_seal(c.key, c.iv, {c.aad}, c.msg, span_of(sealed)));
        EXPECT_EQ(sealed, c.sealed());
    }
}

TEST(AesGcmVectors, InvalidCasesAreRefusedAndLeaveNoPlaintext) {
    int checked = 0;
    for (const gcm_case& c : cases()) {
        if (c.valid) continue;
        SCOPED_TRACE(trace(c));
        const std::string sealed = c.sealed();
        std::string plain(sealed.size() - std::min(sealed.size(), aes_gcm_tag_bytes), 'x');
        EXPECT_FALSE(aes_gcm_open(c.key, c.iv, {c.aad}, sealed, span_of(plain)));
        EXPECT_EQ(plain, std::string(plain.size(), '\0'));
        if (c.has_flag("NonceLength")) {  // nor does it encrypt under such a nonce
            std::string out(c.msg.size() + aes_gcm_tag_bytes, '\0');
            EXPECT_FALSE(aes_gcm_seal(c.key, c.iv, {c.aad}, c.msg, span_of(out)));
        }
        ++checked;
    }
    EXPECT_GE(checked, 100);
}

// seal() passes its aad as three pieces: any split must authenticate like the whole.
TEST(AesGcmVectors, AadPiecesAuthenticateAsTheirConcatenation) {
    for (const gcm_case& c : cases()) {
        if (!c.valid || c.aad.size() < 2) continue;
        SCOPED_TRACE(trace(c));
        const std::string_view aad(c.aad);
        const std::size_t mid = aad.size() / 2;
        std::string plain(c.msg.size(), '\0');
        EXPECT_TRUE(aes_gcm_open(c.key, c.iv, {aad.substr(0, 1), aad.substr(1)}, c.sealed(),
                                 span_of(plain)));
        EXPECT_TRUE(aes_gcm_open(c.key, c.iv, {"", aad.substr(0, mid), "", aad.substr(mid)},
                                 c.sealed(), span_of(plain)));
        EXPECT_EQ(plain, c.msg);
        std::string sealed(c.msg.size() + aes_gcm_tag_bytes, '\0');
        ASSERT_TRUE(aes_gcm_seal(c.key, c.iv, {aad.substr(0, mid), aad.substr(mid)}, c.msg,
                                 span_of(sealed)));
        EXPECT_EQ(sealed, c.sealed());
    }
}

TEST(AesGcmVectors, OutputOfAnotherSizeIsRefused) {
    const gcm_case c = cases("AeadTest").at(2);  // GCM specification test case 15, 64 bytes
    ASSERT_TRUE(c.valid && c.msg.size() == 64);
    for (const std::size_t size : {std::size_t{0}, c.msg.size() - 1, c.msg.size() + 1}) {
        std::string plain(size, 'x');
        EXPECT_FALSE(aes_gcm_open(c.key, c.iv, {c.aad}, c.sealed(), span_of(plain)));
        std::string sealed(size + aes_gcm_tag_bytes, 'x');
        EXPECT_FALSE(aes_gcm_seal(c.key, c.iv, {c.aad}, c.msg, span_of(sealed)));
    }
}

// Guards the tests above against a regenerated file that quietly lost a category.
TEST(AesGcmVectors, FileCoversWycheproofsCategories) {
    const auto all = cases();
    EXPECT_EQ(all.size(), document()["numberOfTests"].get<std::size_t>());
    std::set<std::string> seen;
    std::set<std::size_t> truncations;
    for (const gcm_case& c : all) {
        seen.insert(c.flags.begin(), c.flags.end());
        if (c.has_flag("TruncatedTag")) truncations.insert(aes_gcm_tag_bytes - c.tag.size());
    }
    for (const auto& [flag, note] : document()["notes"].items())
        EXPECT_TRUE(seen.contains(flag)) << flag;
    EXPECT_EQ(truncations.size(), 16u);  // by 1..16 bytes
}

// ---- through seal() and open_sealed() --------------------------------------------------------

std::shared_ptr<const key_ring> ring_for(const gcm_case& c) {
    return std::make_shared<const key_ring>(std::vector<key_ring::key>{{c.key_id, c.key}});
}

std::string header(const std::string& key_id) {
    return std::string{'\x01', static_cast<char>(key_id.size())} + key_id;
}

// sealed_box's wire format: version(1) | key id length(1) | key id | nonce | ciphertext | tag.
std::string framed(const gcm_case& c) { return header(c.key_id) + c.iv + c.sealed(); }

TEST(SealedBoxVectors, GroupUsesSealedBoxsAssociatedData) {
    for (const gcm_case& c : cases("SealedBoxTest")) {
        SCOPED_TRACE(trace(c));
        EXPECT_EQ(c.aad, c.purpose + '\0' + header(c.key_id));
    }
}

TEST(SealedBoxVectors, ValidCasesOpenThroughOpenSealed) {
    int checked = 0;
    for (const gcm_case& c : cases("SealedBoxTest")) {
        if (!c.valid) continue;
        SCOPED_TRACE(trace(c));
        EXPECT_EQ(open_sealed(*ring_for(c), c.purpose, base64url_encode(framed(c))), c.msg);
        ++checked;
    }
    EXPECT_GE(checked, 5);
}

TEST(SealedBoxVectors, InvalidCasesAreRefusedByOpenSealed) {
    for (const gcm_case& c : cases("SealedBoxTest")) {
        if (c.valid) continue;
        SCOPED_TRACE(trace(c));
        EXPECT_FALSE(open_sealed(*ring_for(c), c.purpose, base64url_encode(framed(c))));
    }
}

// The production seal() frames and authenticates exactly as the vectors assume, so the
// vectors above say something about what gangway really sends.
TEST(SealedBoxVectors, SealWritesTheVectorsFraming) {
    for (const gcm_case& c : cases("SealedBoxTest")) {
        if (!c.valid) continue;
        SCOPED_TRACE(trace(c));
        const auto raw = base64url_decode(seal(*ring_for(c), c.purpose, c.msg));
        ASSERT_TRUE(raw);
        const std::string head = header(c.key_id);
        ASSERT_EQ(raw->size(),
                  head.size() + aes_gcm_nonce_bytes + c.msg.size() + aes_gcm_tag_bytes);
        EXPECT_EQ(raw->substr(0, head.size()), head);
        std::string plain(c.msg.size(), '\0');
        EXPECT_TRUE(aes_gcm_open(c.key, raw->substr(head.size(), aes_gcm_nonce_bytes), {c.aad},
                                 raw->substr(head.size() + aes_gcm_nonce_bytes), span_of(plain)));
        EXPECT_EQ(plain, c.msg);
    }
}

TEST(SealedBoxVectors, EveryTruncationExtensionAndFlippedBitIsRefused) {
    for (const gcm_case& c : cases("SealedBoxTest")) {
        if (!c.valid) continue;
        SCOPED_TRACE(trace(c));
        const auto ring = ring_for(c);
        const std::string raw = framed(c);
        for (std::size_t n = 0; n < raw.size(); ++n)
            EXPECT_FALSE(open_sealed(*ring, c.purpose, base64url_encode(raw.substr(0, n)))) << n;
        EXPECT_FALSE(open_sealed(*ring, c.purpose, base64url_encode(raw + '\0')));
        for (std::size_t bit = 0; bit < raw.size() * 8; ++bit) {
            std::string flipped = raw;
            flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
            EXPECT_FALSE(open_sealed(*ring, c.purpose, base64url_encode(flipped))) << bit;
        }
    }
}

}  // namespace
}  // namespace gangway
