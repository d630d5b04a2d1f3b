#include <string>

#include <gtest/gtest.h>

#include "common/crypto/base64url.hpp"
#include "common/crypto/identity_assertion.hpp"
#include "common/crypto/key_ring.hpp"
#include "common/crypto/sealed_box.hpp"

namespace gangway {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<const key_ring> ring_of(std::initializer_list<std::pair<const char*, char>> keys) {
    std::vector<key_ring::key> out;
    for (auto [id, fill] : keys) {
        key_ring::key k{id, {}};
        k.bytes.fill(static_cast<unsigned char>(fill));
        out.push_back(k);
    }
    return std::make_shared<const key_ring>(std::move(out));
}

TEST(Base64Url, RoundTripsEveryLengthAndRefusesJunk) {
    std::string bytes;
    for (int i = 0; i < 70; ++i) {
        auto decoded = base64url_decode(base64url_encode(bytes));
        ASSERT_TRUE(decoded);
        EXPECT_EQ(*decoded, bytes);
        bytes += static_cast<char>(i * 37);
    }
    EXPECT_FALSE(base64url_decode("ab+c"));
    EXPECT_FALSE(base64url_decode("abc="));
    EXPECT_FALSE(base64url_decode("a"));
    EXPECT_FALSE(base64url_decode("AB"));  // non-zero leftover bits: not canonical
    EXPECT_EQ(base64_decode_any("AQ==").value_or("x"), std::string("\x01"));
}

TEST(KeyRing, ParsesAKeysFileNewestFirst) {
    const std::string a = base64_encode(std::string(32, 'a'));
    const std::string b = base64url_encode(std::string(32, 'b'));
    auto r = parse_key_ring("# comment\n\nk2 " + a + "\r\nk1\t" + b + "\n");
    ASSERT_TRUE(r.ring) << r.errors.front();
    EXPECT_EQ(r.ring->newest().id, "k2");
    ASSERT_NE(r.ring->find("k1"), nullptr);
    EXPECT_EQ(r.ring->find("k1")->bytes[0], 'b');
    EXPECT_EQ(r.ring->find("k3"), nullptr);
}

TEST(KeyRing, ReportsBadLinesWithoutKeyMaterial) {
    const std::string short_key = base64_encode("secret-material-too-short");
    auto r = parse_key_ring("k1 " + short_key + "\nbad/id " + base64_encode(std::string(32, 'x')) +
                            "\nonlyid\nk1 " + base64_encode(std::string(32, 'y')) + "\nk1 " +
                            base64_encode(std::string(32, 'z')) + "\n");
    EXPECT_FALSE(r.ring);
    ASSERT_EQ(r.errors.size(), 4u);
    EXPECT_EQ(r.errors[0], "line 1: key must be 32 bytes in base64");
    EXPECT_EQ(r.errors[1], "line 2: key id must be 1..32 characters of A-Z a-z 0-9 _ -");
    EXPECT_EQ(r.errors[2], "line 3: expected \"<key id> <base64 key>\"");
    EXPECT_EQ(r.errors[3], "line 5: duplicate key id k1");
    for (const auto& e : r.errors) EXPECT_EQ(e.find(short_key), std::string::npos);
    EXPECT_EQ(parse_key_ring("# nothing\n").errors, std::vector<std::string>{"no keys"});
    EXPECT_FALSE(load_key_ring("/nonexistent/keys").ring);
}

TEST(SealedBox, OpensWhatItSealedAndNothingElse) {
    auto keys = ring_of({{"k1", 1}});
    const std::string sealed = seal(*keys, "session", "hello");
    EXPECT_EQ(open_sealed(*keys, "session", sealed).value_or(""), "hello");
    EXPECT_NE(seal(*keys, "session", "hello"), sealed);  // fresh nonce each time
    EXPECT_FALSE(open_sealed(*keys, "handoff", sealed));  // purpose is bound
    EXPECT_FALSE(open_sealed(*ring_of({{"k1", 2}}), "session", sealed));  // same id, other key
    EXPECT_FALSE(open_sealed(*ring_of({{"k9", 1}}), "session", sealed));  // unknown id
    EXPECT_FALSE(open_sealed(*keys, "session", std::string(max_sealed_bytes + 1, 'A')));
}

TEST(SealedBox, EveryModifiedOrTruncatedValueIsRefused) {
    auto keys = ring_of({{"k1", 1}});
    const std::string sealed = seal(*keys, "session", "a payload of some length");
    auto raw = *base64url_decode(sealed);
    for (std::size_t i = 0; i < raw.size(); ++i) {
        std::string bad = raw;
        bad[i] = static_cast<char>(bad[i] ^ 0x01);
        EXPECT_FALSE(open_sealed(*keys, "session", base64url_encode(bad))) << "byte " << i;
    }
    for (std::size_t n = 0; n < raw.size(); ++n)
        EXPECT_FALSE(open_sealed(*keys, "session", base64url_encode(raw.substr(0, n)))) << n;
}

TEST(SealedBox, RotatedOutKeysStillOpen) {
    auto old_ring = ring_of({{"old", 1}});
    auto rotated = ring_of({{"new", 2}, {"old", 1}});
    const std::string by_old = seal(*old_ring, "session", "x");
    EXPECT_EQ(open_sealed(*rotated, "session", by_old).value_or(""), "x");
    EXPECT_FALSE(open_sealed(*old_ring, "session", seal(*rotated, "session", "y")));
    EXPECT_FALSE(open_sealed(*ring_of({{"new", 2}}), "session", by_old));  // retired
}

TEST(IdentityAssertion, VerifiesWhatWasSignedAndRefusesTampering) {
    auto keys = ring_of({{"a1", 7}});
    const auto now = std::chrono::system_clock::now();
    identity_fields who{42, 1001, "ada@example.com", "legacy", "req-1", 0};
    const std::string value = sign_identity_assertion(*keys, who, now);
    auto ok = verify_identity_assertion(*keys, value, now + 5s, 60s);
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->user_id, 42u);
    EXPECT_EQ(ok->account_id, 1001u);
    EXPECT_EQ(ok->email, "ada@example.com");
    EXPECT_EQ(ok->request_id, "req-1");
    std::string forged = value;
    forged.replace(forged.find("aid=1001"), 8, "aid=1002");
    EXPECT_FALSE(verify_identity_assertion(*keys, forged, now, 60s));
    EXPECT_FALSE(verify_identity_assertion(*keys, value, now + 120s, 60s));  // too old
    EXPECT_FALSE(verify_identity_assertion(*ring_of({{"a1", 8}}), value, now, 60s));
    EXPECT_FALSE(verify_identity_assertion(*keys, value.substr(0, value.size() - 2), now, 60s));
    EXPECT_FALSE(verify_identity_assertion(*keys, "v1;kid=a1;sig=AAAA", now, 60s));
}

}  // namespace
}  // namespace gangway
