#include "gateway/auth/csrf_token.hpp"

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/test_keys.hpp"

#include "common/crypto/base64url.hpp"
#include "common/crypto/key_ring.hpp"

namespace gangway {
namespace {

using namespace std::chrono_literals;
using time_point = std::chrono::system_clock::time_point;

using testing::ring_of;

const time_point t0{std::chrono::seconds(1'800'000'000)};
const std::string id_a = "0123456789abcdef0123456789abcdef";
const std::string id_b = "fedcba9876543210fedcba9876543210";

TEST(CsrfToken, PreloginIdsAreRandom128BitHex) {
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        const std::string id = new_prelogin_id();
        ASSERT_EQ(id.size(), 32u);
        EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
        seen.insert(id);
    }
    EXPECT_EQ(seen.size(), 100u);
}

TEST(CsrfToken, ValidForItsIdUntilTwoHours) {
    auto keys = ring_of({{"c1", 1}});
    const std::string token = csrf_token_for(*keys, id_a, t0);
    EXPECT_EQ(token.find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos);
    EXPECT_TRUE(csrf_token_valid(*keys, token, id_a, t0));
    EXPECT_TRUE(csrf_token_valid(*keys, token, id_a, t0 + 2h - 1s));
    EXPECT_FALSE(csrf_token_valid(*keys, token, id_a, t0 + 2h));
    EXPECT_FALSE(csrf_token_valid(*keys, token, id_a, t0 + 24h * 365));
    // Reusable within its lifetime: a user may submit the form again after a typo.
    EXPECT_TRUE(csrf_token_valid(*keys, token, id_a, t0 + 10min));
}

TEST(CsrfToken, BoundToThePreloginId) {
    auto keys = ring_of({{"c1", 1}});
    const std::string token = csrf_token_for(*keys, id_a, t0);
    EXPECT_FALSE(csrf_token_valid(*keys, token, id_b, t0));
    EXPECT_FALSE(csrf_token_valid(*keys, token, "", t0));
    EXPECT_FALSE(csrf_token_valid(*keys, token, id_a.substr(0, 31), t0));
    EXPECT_FALSE(csrf_token_valid(*keys, token, "0123456789ABCDEF0123456789ABCDEF", t0));
    EXPECT_FALSE(csrf_token_valid(*keys, token, id_a + "0", t0));
    EXPECT_NE(token, csrf_token_for(*keys, id_b, t0));
    EXPECT_NE(token, csrf_token_for(*keys, id_a, t0 + 1s));
}

TEST(CsrfToken, IssuedInTheFutureOnlyWithinSkew) {
    auto keys = ring_of({{"c1", 1}});
    EXPECT_TRUE(csrf_token_valid(*keys, csrf_token_for(*keys, id_a, t0 + 60s), id_a, t0));
    EXPECT_FALSE(csrf_token_valid(*keys, csrf_token_for(*keys, id_a, t0 + 61s), id_a, t0));
}

TEST(CsrfToken, RotatedKeysAreAcceptedRetiredOnesAreNot) {
    auto old_ring = ring_of({{"c1", 1}});
    auto rotated = ring_of({{"c2", 2}, {"c1", 1}});
    auto retired = ring_of({{"c2", 2}});
    const std::string by_old = csrf_token_for(*old_ring, id_a, t0);
    const std::string by_new = csrf_token_for(*rotated, id_a, t0);
    EXPECT_TRUE(csrf_token_valid(*rotated, by_old, id_a, t0));
    EXPECT_TRUE(csrf_token_valid(*rotated, by_new, id_a, t0));
    EXPECT_TRUE(csrf_token_valid(*retired, by_new, id_a, t0));
    EXPECT_FALSE(csrf_token_valid(*retired, by_old, id_a, t0));
    EXPECT_FALSE(csrf_token_valid(*old_ring, by_new, id_a, t0));
    EXPECT_FALSE(csrf_token_valid(*ring_of({{"c1", 9}}), by_old, id_a, t0));  // same id, other key
}

TEST(CsrfToken, EveryModifiedByteIsRefused) {
    auto keys = ring_of({{"c1", 1}});
    const std::string token = csrf_token_for(*keys, id_a, t0);
    const std::string raw = *base64url_decode(token);
    for (std::size_t i = 0; i < raw.size(); ++i)
        for (unsigned char flip : {0x01, 0x80, 0xff}) {
            std::string bad = raw;
            bad[i] = static_cast<char>(bad[i] ^ flip);
            EXPECT_FALSE(csrf_token_valid(*keys, base64url_encode(bad), id_a, t0)) << i;
        }
    for (std::size_t n = 0; n < raw.size(); ++n)
        EXPECT_FALSE(csrf_token_valid(*keys, base64url_encode(raw.substr(0, n)), id_a, t0)) << n;
    EXPECT_FALSE(csrf_token_valid(*keys, base64url_encode(raw + 'x'), id_a, t0));
    EXPECT_FALSE(csrf_token_valid(*keys, token + "=", id_a, t0));
    EXPECT_FALSE(csrf_token_valid(*keys, "", id_a, t0));
    EXPECT_FALSE(csrf_token_valid(*keys, std::string(5000, 'A'), id_a, t0));
    EXPECT_TRUE(csrf_token_valid(*keys, token, id_a, t0));
}

TEST(CsrfToken, MovingTheIssueTimeBreaksTheMac) {
    // The obvious forgery: take a valid token and make it younger.
    auto keys = ring_of({{"c1", 1}});
    std::string raw = *base64url_decode(csrf_token_for(*keys, id_a, t0));
    const std::size_t last_time_byte = 2 + 2 + 7;
    raw[last_time_byte] = static_cast<char>(raw[last_time_byte] + 100);
    EXPECT_FALSE(csrf_token_valid(*keys, base64url_encode(raw), id_a, t0 + 2h + 50s));
}

TEST(CsrfToken, RefusesToMintForMalformedIds) {
    auto keys = ring_of({{"c1", 1}});
    EXPECT_THROW(csrf_token_for(*keys, "", t0), std::invalid_argument);
    EXPECT_THROW(csrf_token_for(*keys, "xyz", t0), std::invalid_argument);
    EXPECT_THROW(csrf_token_for(*keys, "0123456789ABCDEF0123456789ABCDEF", t0),
                 std::invalid_argument);
}

constexpr std::string_view own = "https://app.example.com";

TEST(SameOrigin, OriginMustBeOurs) {
    EXPECT_TRUE(same_origin_request("https://app.example.com", "", own));
    EXPECT_TRUE(same_origin_request("https://APP.Example.com", "", own));
    EXPECT_TRUE(same_origin_request("https://app.example.com:443", "", own));
    EXPECT_TRUE(same_origin_request(" https://app.example.com ", "", own));
    for (const char* other :
         {"https://evil.test", "http://app.example.com", "https://app.example.com:8443",
          "https://app.example.com.evil.test", "https://evil.test.app.example.com",
          "https://app.example.co", "https://app.example.com/", "https://app.example.com/login",
          "https://user@app.example.com", "https://app.example.com@evil.test",
          "https://app.example.com, https://evil.test", "https://app.example.com\\@evil.test",
          "https://app%2eexample.com", "app.example.com", "//app.example.com", "https://",
          "https://:443", "https://app.example.com:", "https://app.example.com:99999",
          "https://app.example.com:0443x", "ftp://app.example.com", "null", "NULL"})
        EXPECT_FALSE(same_origin_request(other, "", own)) << other;
}

TEST(SameOrigin, PresentOriginIsDecisive) {
    EXPECT_FALSE(same_origin_request("https://evil.test", "https://app.example.com/login", own));
    EXPECT_FALSE(same_origin_request("null", "https://app.example.com/login", own));
    EXPECT_TRUE(same_origin_request("https://app.example.com", "https://evil.test/", own));
}

TEST(SameOrigin, RefererWhenOriginIsAbsent) {
    EXPECT_TRUE(same_origin_request("", "https://app.example.com/login?next=%2Fx", own));
    EXPECT_TRUE(same_origin_request("", "https://app.example.com", own));
    EXPECT_TRUE(same_origin_request("", "https://app.example.com/", own));
    EXPECT_TRUE(same_origin_request("", "https://app.example.com:443/a#b", own));
    EXPECT_TRUE(same_origin_request("", "https://app.example.com?x", own));
    for (const char* other :
         {"https://evil.test/https://app.example.com/", "https://app.example.com.evil.test/login",
          "https://app.example.com@evil.test/login", "https://x:y@app.example.com/login",
          "http://app.example.com/login", "https://app.example.com:8443/login", "/login",
          "//app.example.com/login", "https:app.example.com/login", "about:blank", "null",
          "https://app.example.com\\evil.test/"})
        EXPECT_FALSE(same_origin_request("", other, own)) << other;
}

TEST(SameOrigin, BothAbsentIsRefused) {
    EXPECT_FALSE(same_origin_request("", "", own));
    EXPECT_FALSE(same_origin_request("  ", " ", own));
}

TEST(SameOrigin, OwnOriginForms) {
    EXPECT_TRUE(same_origin_request("https://app.example.com", "", "https://app.example.com/"));
    EXPECT_TRUE(same_origin_request("https://app.example.com", "", "HTTPS://App.Example.com:443"));
    EXPECT_TRUE(same_origin_request("https://legacy.localhost:8443", "",
                                    "https://legacy.localhost:8443"));
    EXPECT_FALSE(same_origin_request("https://legacy.localhost", "", "https://legacy.localhost:8443"));
    EXPECT_TRUE(same_origin_request("http://127.0.0.1:8080", "", "http://127.0.0.1:8080"));
    EXPECT_TRUE(same_origin_request("https://[::1]:8443", "", "https://[::1]:8443"));
    EXPECT_FALSE(same_origin_request("https://[::2]:8443", "", "https://[::1]:8443"));
    EXPECT_FALSE(same_origin_request("https://app.example.com", "", ""));
    EXPECT_FALSE(same_origin_request("null", "", "null"));
}

}  // namespace
}  // namespace gangway
