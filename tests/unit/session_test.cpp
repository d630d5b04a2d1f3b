#include <string>

#include <gtest/gtest.h>

#include "common/crypto/base64url.hpp"
#include "common/crypto/key_ring.hpp"
#include "common/session/session.hpp"
#include "common/session/session_cookie.hpp"
#include "common/time/clock.hpp"

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

class Session : public ::testing::Test {
protected:
    manual_clock clock_{std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000))};
    std::shared_ptr<const key_ring> keys_ = ring_of({{"s1", 3}});
    session_codec legacy_{keys_, clock_, "legacy"};
};

TEST_F(Session, SealedSessionsOpenWithEveryField) {
    const session s = legacy_.mint(42, 1001, "ada@example.com", 17, 1h);
    EXPECT_EQ(s.session_id.size(), 32u);
    const auto opened = legacy_.open(legacy_.seal(s));
    ASSERT_TRUE(opened);
    EXPECT_EQ(opened->user_id, 42u);
    EXPECT_EQ(opened->account_id, 1001u);
    EXPECT_EQ(opened->email, "ada@example.com");
    EXPECT_EQ(opened->site, "legacy");
    EXPECT_EQ(opened->placement_version, 17u);
    EXPECT_EQ(opened->expires_at - opened->issued_at, 3600);
    EXPECT_EQ(opened->session_id, s.session_id);
    EXPECT_NE(legacy_.mint(42, 1001, "a", 1, 1h).session_id, s.session_id);
}

TEST_F(Session, ExpiredFutureAndForeignSessionsDoNotOpen) {
    const std::string cookie = legacy_.seal(legacy_.mint(1, 2, "a@b.c", 1, 10min));
    clock_.advance(9min);
    EXPECT_TRUE(legacy_.open(cookie));
    clock_.advance(1min);
    EXPECT_FALSE(legacy_.open(cookie));  // expires_at reached

    session future = legacy_.mint(1, 2, "a@b.c", 1, 1h);
    future.issued_at += 120;
    EXPECT_FALSE(legacy_.open(legacy_.seal(future)));

    session_codec aws{keys_, clock_, "aws"};
    EXPECT_FALSE(aws.open(legacy_.seal(legacy_.mint(1, 2, "a@b.c", 1, 1h))));  // wrong site
    session_codec other_keys{ring_of({{"s1", 4}}), clock_, "legacy"};
    EXPECT_FALSE(other_keys.open(legacy_.seal(legacy_.mint(1, 2, "a@b.c", 1, 1h))));
}

TEST_F(Session, TamperedAndTruncatedCookiesDoNotOpen) {
    const std::string cookie = legacy_.seal(legacy_.mint(1, 2, "a@b.c", 1, 1h));
    for (std::size_t i = 0; i < cookie.size(); ++i) {
        std::string bad = cookie;
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        EXPECT_FALSE(legacy_.open(bad)) << i;
    }
    for (std::size_t n = 0; n < cookie.size(); ++n) EXPECT_FALSE(legacy_.open(cookie.substr(0, n)));
    EXPECT_FALSE(legacy_.open(std::string(100'000, 'A')));
}

TEST_F(Session, RotationKeepsOldSessionsOpen) {
    const std::string old_cookie = legacy_.seal(legacy_.mint(1, 2, "a@b.c", 1, 1h));
    session_codec rotated{ring_of({{"s2", 9}, {"s1", 3}}), clock_, "legacy"};
    EXPECT_TRUE(rotated.open(old_cookie));
    EXPECT_TRUE(rotated.open(rotated.seal(rotated.mint(1, 2, "a@b.c", 1, 1h))));
    session_codec retired{ring_of({{"s2", 9}}), clock_, "legacy"};
    EXPECT_FALSE(retired.open(old_cookie));
}

TEST_F(Session, OversizedFieldsAreRefusedWhenSealing) {
    EXPECT_THROW(legacy_.seal(legacy_.mint(1, 2, std::string(255, 'e'), 1, 1h)), std::invalid_argument);
}

TEST(SessionCookie, FindsTheOneValueOfTheName) {
    EXPECT_EQ(find_cookie("a=1; __Host-gangway=xyz; b=2", "__Host-gangway").value_or(""), "xyz");
    EXPECT_EQ(find_cookie("__Host-gangway=\"q\"", "__Host-gangway").value_or(""), "q");
    EXPECT_EQ(find_cookie("  __Host-gangway = v ;", "__Host-gangway").value_or(""), "v");
    EXPECT_FALSE(find_cookie("", "__Host-gangway"));
    EXPECT_FALSE(find_cookie("__Host-gangway", "__Host-gangway"));  // no '='
    EXPECT_FALSE(find_cookie("x__Host-gangway=1", "__Host-gangway"));
    EXPECT_FALSE(find_cookie("__Host-gangway=1; __Host-gangway=2", "__Host-gangway"));  // tossing
    EXPECT_FALSE(find_cookie(std::string(100'000, ';'), "__Host-gangway"));
}

TEST(SessionCookie, SetCookieFollowsTheHostPrefixRules) {
    session_config cfg;
    const std::string set = session_set_cookie(cfg, "abc", 3600s);
    EXPECT_EQ(set, "__Host-gangway=abc; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=3600");
    EXPECT_EQ(set.find("Domain"), std::string::npos);
    EXPECT_NE(session_clear_cookie(cfg).find("Max-Age=0"), std::string::npos);
}

}  // namespace
}  // namespace gangway
