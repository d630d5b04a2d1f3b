#include "common/session/session.hpp"

#include <functional>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/test_keys.hpp"

#include "common/crypto/base64url.hpp"
#include "common/crypto/key_ring.hpp"
#include "common/crypto/sealed_box.hpp"
#include "common/time/clock.hpp"

namespace gangway {
namespace {

using namespace std::chrono_literals;

using testing::ring_of;

constexpr std::int64_t start_s = 1'800'000'000;

class Session : public ::testing::Test {
protected:
    manual_clock clock_{std::chrono::system_clock::time_point(std::chrono::seconds(start_s))};
    std::shared_ptr<const key_ring> keys_ = ring_of({{"s1", 3}});
    session_codec legacy_{keys_, clock_, "legacy"};

    std::string cookie(std::chrono::seconds ttl = 1h) const {
        return legacy_.seal(legacy_.mint(42, 1001, "ada@example.com", 7, ttl));
    }
    // The inside of a genuine cookie, to build well-sealed but malformed ones from.
    std::string payload() const { return *open_sealed(*keys_, "session", cookie()); }
};

TEST_F(Session, MintFillsEveryFieldFromTheCodecAndTheClock) {
    const session s = legacy_.mint(42, 1001, "ada@example.com", 17, 1h);
    EXPECT_EQ(s.user_id, 42u);
    EXPECT_EQ(s.account_id, 1001u);
    EXPECT_EQ(s.email, "ada@example.com");
    EXPECT_EQ(s.site, "legacy");
    EXPECT_EQ(s.placement_version, 17u);
    EXPECT_EQ(s.issued_at, start_s);
    EXPECT_EQ(s.expires_at, start_s + 3600);
    EXPECT_TRUE(std::regex_match(s.session_id, std::regex("[0-9a-f]{32}"))) << s.session_id;
    EXPECT_NE(legacy_.mint(42, 1001, "ada@example.com", 17, 1h).session_id, s.session_id);
}

TEST_F(Session, SealedSessionsOpenWithEveryField) {
    const session s = legacy_.mint(42, 1001, "ada@example.com", 17, 1h);
    const auto opened = legacy_.open(legacy_.seal(s));
    ASSERT_TRUE(opened);
    EXPECT_EQ(opened->user_id, 42u);
    EXPECT_EQ(opened->account_id, 1001u);
    EXPECT_EQ(opened->email, "ada@example.com");
    EXPECT_EQ(opened->site, "legacy");
    EXPECT_EQ(opened->placement_version, 17u);
    EXPECT_EQ(opened->issued_at, s.issued_at);
    EXPECT_EQ(opened->expires_at, s.expires_at);
    EXPECT_EQ(opened->session_id, s.session_id);
}

TEST_F(Session, ExtremeFieldValuesRoundTrip) {
    session s = legacy_.mint(UINT64_MAX, 0, std::string(session_codec::max_email_bytes, 'e'),
                             UINT64_MAX, 1h);
    const auto opened = legacy_.open(legacy_.seal(s));
    ASSERT_TRUE(opened);
    EXPECT_EQ(opened->user_id, UINT64_MAX);
    EXPECT_EQ(opened->account_id, 0u);
    EXPECT_EQ(opened->email.size(), session_codec::max_email_bytes);
    EXPECT_EQ(opened->placement_version, UINT64_MAX);
    EXPECT_TRUE(legacy_.open(legacy_.seal(legacy_.mint(1, 2, "", 0, 1h))));
}

// One row per reason a cookie must not open, each next to a control that does.
struct open_case {
    const char* what;
    std::function<std::string()> make;
    std::chrono::seconds later;  // clock advance between sealing and opening
    bool opens;
};

TEST_F(Session, OpensOnlyLiveSessionsOfThisSiteUnderItsKeys) {
    const auto mint_seal = [this](std::chrono::seconds ttl) {
        return [this, ttl] { return legacy_.seal(legacy_.mint(1, 2, "a@b.c", 1, ttl)); };
    };
    const auto issued_ahead = [this](std::int64_t ahead_s) {
        return [this, ahead_s] {
            session s = legacy_.mint(1, 2, "a@b.c", 1, 1h);
            s.issued_at += ahead_s;
            return legacy_.seal(s);
        };
    };
    const auto by = [this](std::shared_ptr<const key_ring> keys, std::string site) {
        return [this, keys, site] {
            const session_codec other(keys, clock_, site);
            return other.seal(other.mint(1, 2, "a@b.c", 1, 1h));
        };
    };
    const auto as_purpose = [this](std::string purpose) {
        return [this, purpose] { return seal(*keys_, purpose, payload()); };
    };
    const std::vector<open_case> cases = {
        {"fresh", mint_seal(10min), 0s, true},
        {"one second before expiry", mint_seal(10min), 599s, true},
        {"at expiry", mint_seal(10min), 600s, false},
        {"after expiry", mint_seal(10min), 601s, false},
        {"zero ttl", mint_seal(0s), 0s, false},
        {"issued 60 s ahead (clock skew)", issued_ahead(60), 0s, true},
        {"issued 61 s ahead", issued_ahead(61), 0s, false},
        {"issued a day ahead", issued_ahead(86400), 0s, false},
        {"same key, same site, other codec", by(keys_, "legacy"), 0s, true},
        {"issued for another site", by(keys_, "aws"), 0s, false},
        {"same key id, other key bytes", by(ring_of({{"s1", 4}}), "legacy"), 0s, false},
        {"unknown key id", by(ring_of({{"s9", 3}}), "legacy"), 0s, false},
        {"sealed as a session", as_purpose("session"), 0s, true},
        {"sealed for another purpose", as_purpose("handoff"), 0s, false},
        {"empty", [] { return std::string(); }, 0s, false},
        {"huge", [] { return std::string(100'000, 'A'); }, 0s, false},
    };
    for (const auto& c : cases) {
        const std::string value = c.make();
        clock_.advance(c.later);
        EXPECT_EQ(legacy_.open(value).has_value(), c.opens) << c.what;
        clock_.advance(-c.later);
    }
}

TEST_F(Session, EveryModifiedOrTruncatedCookieIsRefused) {
    const std::string good = cookie();
    ASSERT_TRUE(legacy_.open(good));
    const std::string raw = *base64url_decode(good);
    for (std::size_t i = 0; i < raw.size(); ++i) {
        std::string bad = raw;
        bad[i] = static_cast<char>(bad[i] ^ 0x20);
        EXPECT_FALSE(legacy_.open(base64url_encode(bad))) << "byte " << i;
    }
    for (std::size_t n = 0; n < good.size(); ++n)
        EXPECT_FALSE(legacy_.open(good.substr(0, n))) << n;
    for (std::size_t i = 0; i < good.size(); ++i) {
        std::string bad = good;
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        EXPECT_FALSE(legacy_.open(bad)) << "character " << i;
    }
}

// Sealed correctly for this purpose under this key, but not a session record inside.
TEST_F(Session, MalformedPayloadsAreRefused) {
    const std::string inside = payload();
    ASSERT_TRUE(legacy_.open(seal(*keys_, "session", inside)));
    for (std::size_t n = 0; n < inside.size(); ++n)
        EXPECT_FALSE(legacy_.open(seal(*keys_, "session", inside.substr(0, n)))) << "cut at " << n;
    EXPECT_FALSE(legacy_.open(seal(*keys_, "session", inside + '\0')));
    std::string version = inside;
    version[0] = 2;
    EXPECT_FALSE(legacy_.open(seal(*keys_, "session", version)));
    std::string upper_id = inside;
    upper_id.replace(upper_id.size() - 32, 32, std::string(32, 'A'));
    EXPECT_FALSE(legacy_.open(seal(*keys_, "session", upper_id)));
}

std::string u64_bytes(std::uint64_t v) {
    std::string out;
    for (int i = 7; i >= 0; --i) out += static_cast<char>((v >> (i * 8)) & 0xff);
    return out;
}

std::string text_bytes(const std::string& s) { return static_cast<char>(s.size()) + s; }

TEST_F(Session, AnEmailOverTheLimitIsRefusedEvenWhenSealed) {
    const auto record = [](const std::string& email) {
        return std::string(1, '\x01') + u64_bytes(1) + u64_bytes(2) + text_bytes(email) +
               text_bytes("legacy") + u64_bytes(3) + u64_bytes(start_s) +
               u64_bytes(start_s + 3600) + text_bytes(std::string(32, 'a'));
    };
    EXPECT_TRUE(legacy_.open(seal(*keys_, "session", record(std::string(254, 'e')))));
    EXPECT_FALSE(legacy_.open(seal(*keys_, "session", record(std::string(255, 'e')))));
}

TEST_F(Session, RotationKeepsOldSessionsOpenUntilTheKeyIsRemoved) {
    const std::string old_cookie = cookie();
    const session_codec rotated{ring_of({{"s2", 9}, {"s1", 3}}), clock_, "legacy"};
    EXPECT_TRUE(rotated.open(old_cookie));
    const std::string new_cookie = rotated.seal(rotated.mint(1, 2, "a@b.c", 1, 1h));
    EXPECT_TRUE(rotated.open(new_cookie));
    EXPECT_FALSE(legacy_.open(new_cookie));  // sealed under s2, which the old ring lacks
    const session_codec retired{ring_of({{"s2", 9}}), clock_, "legacy"};
    EXPECT_FALSE(retired.open(old_cookie));
    EXPECT_TRUE(retired.open(new_cookie));
}

TEST_F(Session, OutOfRangeFieldsAreRefusedWhenSealing) {
    EXPECT_THROW(legacy_.seal(legacy_.mint(1, 2, std::string(255, 'e'), 1, 1h)),
                 std::invalid_argument);
    session bad_id = legacy_.mint(1, 2, "a@b.c", 1, 1h);
    bad_id.session_id = "not-hex";
    EXPECT_THROW(legacy_.seal(bad_id), std::invalid_argument);
}

TEST(SessionId, IsThirtyTwoLowercaseHexAndFresh) {
    const std::string a = new_session_id();
    EXPECT_TRUE(std::regex_match(a, std::regex("[0-9a-f]{32}"))) << a;
    EXPECT_NE(a, new_session_id());
}

}  // namespace
}  // namespace gangway
