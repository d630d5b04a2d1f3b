#include "common/crypto/identity_assertion.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/test_keys.hpp"

#include "common/crypto/base64url.hpp"
#include "common/crypto/key_ring.hpp"

namespace gangway {
namespace {

using namespace std::chrono_literals;

using testing::ring_of;

// What a correct signer under `key` would append to `text`: lets a test build values with a
// valid MAC but a malformed body.
std::string signed_with(const key_ring::key& key, const std::string& text) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    HMAC(EVP_sha256(), key.bytes.data(), static_cast<int>(key.bytes.size()),
         reinterpret_cast<const unsigned char*>(text.data()), text.size(), out, &n);
    return text + ";sig=" + base64url_encode(std::string(reinterpret_cast<const char*>(out), n));
}

class IdentityAssertion : public ::testing::Test {
protected:
    std::shared_ptr<const key_ring> keys_ = ring_of({{"a1", 7}});
    std::chrono::system_clock::time_point now_{std::chrono::seconds(1'800'000'000)};
    identity_fields who_{42, 1001, "ada@example.com", "legacy", "req-1", 0};

    std::string value() const { return sign_identity_assertion(*keys_, who_, now_); }
    bool verifies(const std::string& v, std::chrono::seconds later = 0s) const {
        return verify_identity_assertion(*keys_, v, now_ + later, 60s).has_value();
    }
};

TEST_F(IdentityAssertion, HasTheDocumentedFormat) {
    const std::string v = value();
    const std::string body =
        "v1;kid=a1;ts=1800000000;uid=42;aid=1001;site=legacy;rid=req-1;email=" +
        base64url_encode("ada@example.com");
    EXPECT_EQ(v, signed_with(keys_->newest(), body));
}

// The signer keeps each key's HMAC states per thread (eight keys at most, the oldest dropped):
// for more keys than that, in turn and again, every value is still OpenSSL's HMAC, also when
// written over an earlier value.
TEST_F(IdentityAssertion, MacsAsOpenSSLsHmacForManyKeysAndReusedOutput) {
    const std::string body =
        ";ts=1800000000;uid=42;aid=1001;site=legacy;rid=req-1;email=" + base64url_encode("ada@example.com");
    std::string reused = "an earlier value";
    for (int round = 0; round < 2; ++round) {
        for (char fill = 1; fill <= 12; ++fill) {
            const std::string id = "k" + std::to_string(fill);
            const auto ring = ring_of({{id.c_str(), fill}});
            const std::string expected = signed_with(ring->newest(), "v1;kid=" + id + body);
            EXPECT_EQ(sign_identity_assertion(*ring, who_, now_), expected);
            sign_identity_assertion(*ring, identity_view{42, 1001, "ada@example.com", "legacy", "req-1"},
                                    now_, reused);
            EXPECT_EQ(reused, expected);
        }
    }
}

TEST_F(IdentityAssertion, RoundTripsEveryField) {
    who_.email = "o'brien+tag;x=y@example.com";
    const auto ok = verify_identity_assertion(*keys_, value(), now_ + 5s, 60s);
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->user_id, 42u);
    EXPECT_EQ(ok->account_id, 1001u);
    EXPECT_EQ(ok->email, "o'brien+tag;x=y@example.com");
    EXPECT_EQ(ok->site, "legacy");
    EXPECT_EQ(ok->request_id, "req-1");
    EXPECT_EQ(ok->issued_at, 1'800'000'000);
}

TEST_F(IdentityAssertion, EveryModifiedOrTruncatedValueIsRefused) {
    const std::string good = value();
    ASSERT_TRUE(verifies(good));
    for (std::size_t i = 0; i < good.size(); ++i) {
        std::string bad = good;
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        EXPECT_FALSE(verifies(bad)) << "character " << i;
    }
    for (std::size_t n = 0; n < good.size(); ++n) EXPECT_FALSE(verifies(good.substr(0, n))) << n;
    EXPECT_FALSE(verifies(good + "A"));
    EXPECT_FALSE(verifies(good + ";x=1"));
    std::string forged = good;
    forged.replace(forged.find("aid=1001"), 8, "aid=1002");
    EXPECT_FALSE(verifies(forged));
}

TEST_F(IdentityAssertion, AgeIsCheckedBothWays) {
    const std::string v = value();
    EXPECT_TRUE(verifies(v, 60s));
    EXPECT_FALSE(verifies(v, 61s));   // older than max_age
    EXPECT_TRUE(verifies(v, -60s));   // clock skew allowance
    EXPECT_FALSE(verifies(v, -61s));  // from the future
}

TEST_F(IdentityAssertion, OnlyTheRingsKeysVerify) {
    const std::string v = value();
    EXPECT_FALSE(verify_identity_assertion(*ring_of({{"a1", 8}}), v, now_, 60s));  // other bytes
    EXPECT_FALSE(verify_identity_assertion(*ring_of({{"a2", 7}}), v, now_, 60s));  // unknown kid
    EXPECT_TRUE(
        verify_identity_assertion(*ring_of({{"a2", 9}, {"a1", 7}}), v, now_, 60s));  // rotated
    const std::string by_new =
        sign_identity_assertion(*ring_of({{"a2", 9}, {"a1", 7}}), who_, now_);
    EXPECT_NE(by_new.find(";kid=a2;"), std::string::npos);
    EXPECT_FALSE(verifies(by_new));
}

// Validly MACed, so only the parser stands between these and acceptance.
TEST_F(IdentityAssertion, RefusesBodiesThatAreNotExactlyTheFormat) {
    const key_ring::key& key = keys_->newest();
    const std::string email = base64url_encode("ada@example.com");
    const std::string tail = ";site=legacy;rid=r;email=" + email;
    const std::string good = "v1;kid=a1;ts=1800000000;uid=42;aid=1001" + tail;
    ASSERT_TRUE(verifies(signed_with(key, good)));
    const std::vector<std::string> bad = {
        "v2;kid=a1;ts=1800000000;uid=42;aid=1001" + tail,
        "v1;ts=1800000000;kid=a1;uid=42;aid=1001" + tail,             // reordered
        "v1;kid=a1;ts=1800000000;uid=42" + tail,                      // aid missing
        "v1;kid=a1;ts=1800000000;uid=42;uid=43;aid=1001" + tail,      // repeated
        "v1;kid=a1;ts=1800000000;uid=42;aid=1001;site=legacy;rid=r",  // email missing
        good + ";extra=1",
        good + ";",
        "v1;kid=a1;ts=1800000000;uid=-42;aid=1001" + tail,
        "v1;kid=a1;ts=1800000000;uid=;aid=1001" + tail,
        "v1;kid=a1;ts=1800000000;uid=42x;aid=1001" + tail,
        "v1;kid=a1;ts=1800000000;uid=18446744073709551616;aid=1001" + tail,  // 2^64
        "v1;kid=a1;ts=;uid=42;aid=1001" + tail,
        "v1;kid=a1;ts=1800000000;uid=42;aid=1001;site=legacy;rid=r;email=not+base64",
        "v1;kid=a1;ts=1800000000;uid=42;aid=1001;site=legacy;rid=r;email=" + email + "=",
        "v1;kid=;ts=1800000000;uid=42;aid=1001" + tail,
        "v1;kid=a1;ts=1800000000;uid=42;aid=1001" + tail + std::string(2100, 'A'),
    };
    for (const auto& body : bad)
        EXPECT_FALSE(verifies(signed_with(key, body))) << body.substr(0, 80);
    EXPECT_FALSE(verifies("v1;kid=a1;sig=AAAA"));
    EXPECT_FALSE(verifies(""));
}

}  // namespace
}  // namespace gangway
