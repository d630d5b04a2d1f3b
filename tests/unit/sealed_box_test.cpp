#include "common/crypto/sealed_box.hpp"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/test_keys.hpp"

#include "common/crypto/base64url.hpp"
#include "common/crypto/key_ring.hpp"

namespace gangway {
namespace {

using testing::ring_of;

TEST(Base64Url, RoundTripsEveryLengthWithoutPadding) {
    std::string bytes;
    for (int i = 0; i < 70; ++i) {
        const std::string text = base64url_encode(bytes);
        EXPECT_EQ(text.find_first_of("=+/"), std::string::npos) << text;
        EXPECT_EQ(text.size(), (bytes.size() * 4 + 2) / 3);
        auto decoded = base64url_decode(text);
        ASSERT_TRUE(decoded) << i;
        EXPECT_EQ(*decoded, bytes);
        bytes += static_cast<char>(i * 37);
    }
    EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
}

TEST(Base64Url, DecodeRefusesJunk) {
    for (const char* bad :
         {"ab+c", "ab/c", "abc=", "ab==", "a", "abcde", "AB", "ab c", "ab\nc", "é"})
        EXPECT_FALSE(base64url_decode(bad)) << bad;
    EXPECT_FALSE(base64url_decode(std::string("ab\0c", 4)));
    EXPECT_EQ(base64url_decode("").value_or("x"), "");
}

TEST(Base64Any, AcceptsBothAlphabetsAndPadding) {
    EXPECT_EQ(base64_decode_any("AQ==").value_or("x"), std::string("\x01"));
    EXPECT_EQ(base64_decode_any("AQ").value_or("x"), std::string("\x01"));
    EXPECT_EQ(base64_decode_any("-_8").value_or("x"), "\xfb\xff");
    EXPECT_EQ(base64_decode_any("+/8=").value_or("x"), "\xfb\xff");
    EXPECT_EQ(base64_encode("\xfb\xff"), "+/8=");
    EXPECT_FALSE(base64_decode_any("A!=="));
}

TEST(SealedBox, OpensWhatItSealedAndNothingElse) {
    auto keys = ring_of({{"k1", 1}});
    const std::string sealed = seal(*keys, "session", "hello");
    EXPECT_EQ(open_sealed(*keys, "session", sealed).value_or(""), "hello");
    EXPECT_NE(seal(*keys, "session", "hello"), sealed);   // fresh nonce each time
    EXPECT_FALSE(open_sealed(*keys, "handoff", sealed));  // purpose is bound
    EXPECT_FALSE(open_sealed(*keys, "sessio", sealed));
    EXPECT_FALSE(open_sealed(*keys, "", sealed));
    EXPECT_FALSE(open_sealed(*ring_of({{"k1", 2}}), "session", sealed));  // same id, other key
    EXPECT_FALSE(open_sealed(*ring_of({{"k9", 1}}), "session", sealed));  // unknown id
    EXPECT_FALSE(open_sealed(*keys, "session", ""));
    EXPECT_FALSE(open_sealed(*keys, "session", sealed + "="));
    EXPECT_FALSE(open_sealed(*keys, "session", std::string(max_sealed_bytes + 1, 'A')));
}

TEST(SealedBox, EmptyAndBinaryPlaintextsRoundTrip) {
    auto keys = ring_of({{"k1", 1}});
    EXPECT_EQ(open_sealed(*keys, "p", seal(*keys, "p", "")).value_or("x"), "");
    const std::string binary("\0\xff\x01;=\n", 6);
    EXPECT_EQ(open_sealed(*keys, "p", seal(*keys, "p", binary)).value_or(""), binary);
}

TEST(SealedBox, LayoutIsVersionKeyIdNonceCiphertextTag) {
    const std::string id(32, 'i');
    auto keys = ring_of({{id.c_str(), 1}});
    const std::string plaintext = "seventeen bytes!!";
    const auto raw = base64url_decode(seal(*keys, "session", plaintext));
    ASSERT_TRUE(raw);
    ASSERT_EQ(raw->size(), 1 + 1 + id.size() + 12 + plaintext.size() + 16);
    EXPECT_EQ((*raw)[0], '\x01');
    EXPECT_EQ(static_cast<unsigned char>((*raw)[1]), id.size());
    EXPECT_EQ(raw->substr(2, id.size()), id);
    EXPECT_EQ(raw->find(plaintext), std::string::npos);  // encrypted, not just signed
}

TEST(SealedBox, EveryModifiedOrTruncatedValueIsRefused) {
    auto keys = ring_of({{"k1", 1}});
    const std::string sealed = seal(*keys, "session", "a payload of some length");
    const auto raw = *base64url_decode(sealed);
    for (std::size_t i = 0; i < raw.size(); ++i) {
        for (unsigned char flip : {0x01, 0x80}) {
            std::string bad = raw;
            bad[i] = static_cast<char>(bad[i] ^ flip);
            EXPECT_FALSE(open_sealed(*keys, "session", base64url_encode(bad))) << "byte " << i;
        }
    }
    for (std::size_t n = 0; n < raw.size(); ++n)
        EXPECT_FALSE(open_sealed(*keys, "session", base64url_encode(raw.substr(0, n)))) << n;
    EXPECT_FALSE(open_sealed(*keys, "session", base64url_encode(raw + '\0')));
    EXPECT_EQ(open_sealed(*keys, "session", sealed).value_or(""), "a payload of some length");
}

TEST(SealedBox, RotatedOutKeysStillOpen) {
    auto old_ring = ring_of({{"old", 1}});
    auto rotated = ring_of({{"new", 2}, {"old", 1}});
    const std::string by_old = seal(*old_ring, "session", "x");
    EXPECT_EQ(open_sealed(*rotated, "session", by_old).value_or(""), "x");
    EXPECT_EQ(base64url_decode(seal(*rotated, "session", "y"))->substr(2, 3),
              "new");  // newest seals
    EXPECT_FALSE(open_sealed(*old_ring, "session", seal(*rotated, "session", "y")));
    EXPECT_FALSE(open_sealed(*ring_of({{"new", 2}}), "session", by_old));  // retired
}

TEST(SealedBox, RefusesInputsOverTheSizeLimitEvenIfGenuine) {
    auto keys = ring_of({{"k1", 1}});
    const std::string fits = seal(*keys, "p", std::string(3000, 'f'));
    const std::string too_big = seal(*keys, "p", std::string(3100, 'b'));
    ASSERT_LE(fits.size(), max_sealed_bytes);
    ASSERT_GT(too_big.size(), max_sealed_bytes);
    EXPECT_TRUE(open_sealed(*keys, "p", fits));
    EXPECT_FALSE(open_sealed(*keys, "p", too_big));
}

// The cipher contexts are reused per thread; a refused value must not poison the next one,
// whichever key or direction came before.
TEST(SealedBox, ARefusalDoesNotAffectTheNextOperation) {
    auto a = ring_of({{"a", 1}});
    auto b = ring_of({{"b", 2}});
    auto both = ring_of({{"a", 1}, {"b", 2}});
    const std::string by_a = seal(*a, "p", "from a");
    std::string bad = *base64url_decode(by_a);
    bad.back() = static_cast<char>(bad.back() ^ 1);
    for (int round = 0; round < 3; ++round) {
        EXPECT_FALSE(open_sealed(*both, "p", base64url_encode(bad)));
        EXPECT_EQ(open_sealed(*both, "p", by_a).value_or(""), "from a");
        EXPECT_FALSE(open_sealed(*both, "q", by_a));
        const std::string by_b = seal(*b, "p", "from b");
        EXPECT_EQ(open_sealed(*both, "p", by_b).value_or(""), "from b");
        EXPECT_EQ(open_sealed(*both, "p", by_a).value_or(""), "from a");
    }
}

TEST(SealedBox, ValuesSealedOnOneThreadOpenOnAnother) {
    auto keys = ring_of({{"k1", 1}, {"k0", 9}});
    std::vector<std::string> sealed(4);
    std::vector<std::thread> sealers;
    for (std::size_t i = 0; i < sealed.size(); ++i)
        sealers.emplace_back([&, i] { sealed[i] = seal(*keys, "p", "msg" + std::to_string(i)); });
    for (auto& t : sealers) t.join();
    for (std::size_t i = 0; i < sealed.size(); ++i)
        EXPECT_EQ(open_sealed(*keys, "p", sealed[i]).value_or(""), "msg" + std::to_string(i));
}

}  // namespace
}  // namespace gangway
