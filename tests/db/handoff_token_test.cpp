// Single-use handoff tokens: the token format (no database) and gangway_handoff on a real
// MariaDB (fixture `mariadb`).
#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <latch>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <cppconn/connection.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <gtest/gtest.h>

#include "common/auth/handoff_token.hpp"
#include "common/crypto/base64url.hpp"
#include "common/db/db_pool.hpp"
#include "common/db/schema_migrations.hpp"
#include "tests/support/test_database.hpp"

namespace gangway {
namespace {

using namespace std::chrono_literals;

std::string upper_hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char b : bytes) {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

std::string upper_hex(const std::array<unsigned char, 32>& bytes) {
    return upper_hex(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

// ---- the token format, no database ---------------------------------------------------------

TEST(HandoffTokenFormat, FortyThreeBase64urlCharactersAndAllDistinct) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        const std::string t = new_handoff_token();
        ASSERT_EQ(t.size(), 43u) << t;
        ASSERT_EQ(t.size(), handoff_token_chars);
        for (char ch : t)
            ASSERT_TRUE(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_')
                << t;
        const auto raw = base64url_decode(t);
        ASSERT_TRUE(raw);
        EXPECT_EQ(raw->size(), 32u) << "256 bits";
        seen.insert(t);
    }
    EXPECT_EQ(seen.size(), 1000u);
}

TEST(HandoffTokenFormat, HashIsSha256OfTheText) {
    // FIPS 180-2 test vector.
    EXPECT_EQ(upper_hex(token_hash("abc")),
              "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
    const std::string t = new_handoff_token();
    EXPECT_EQ(token_hash(t), token_hash(t));
    EXPECT_NE(token_hash(t), token_hash(new_handoff_token()));
}

TEST(HandoffTokenFormat, OutcomeNames) {
    EXPECT_EQ(to_string(redeem_outcome::redeemed), "redeemed");
    EXPECT_EQ(to_string(redeem_outcome::unknown), "unknown");
    EXPECT_EQ(to_string(redeem_outcome::expired), "expired");
    EXPECT_EQ(to_string(redeem_outcome::replayed), "replayed");
    EXPECT_EQ(to_string(redeem_outcome::wrong_audience), "wrong_audience");
    EXPECT_EQ(to_string(redeem_outcome::wrong_client), "wrong_client");
}

// ---- gangway_handoff ------------------------------------------------------------------------

constexpr const char* browser_ua =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 "
    "Safari/537.36";

handoff_grant sample_grant() {
    return {.user_id = 42,
            .account_id = 7,
            .email = "ada@example.com",
            .audience = "aws",
            .placement_version = 1234,
            .target = "/reports/q3?tab=summary",
            .client_ip = "203.0.113.9",
            .user_agent = browser_ua};
}

// A fresh database with gangway's tables and a pool on it.
class HandoffStore : public ::testing::Test {
protected:
    HandoffStore() : pool_(db_.config()) {
        auto r = pool_.run_blocking([](sql::Connection& c) { return upgrade_schema(c); });
        if (!r) throw std::runtime_error("db init: " + r.message);
    }

    template <class Fn>
    auto must(Fn fn) {
        auto r = pool_.run_blocking(std::move(fn));
        if (!r) throw std::runtime_error(r.message);
        return std::move(*r.value);
    }

    std::string issue(const handoff_grant& g = sample_grant(), std::chrono::seconds ttl = 30s) {
        std::string token = new_handoff_token();
        must([&](sql::Connection& c) {
            store_handoff(c, token, g, ttl);
            return true;
        });
        return token;
    }

    redeemed_handoff redeem(const std::string& token, const std::string& audience = "aws",
                            const std::string& ip = "203.0.113.9",
                            const std::string& ua = browser_ua) {
        return must([&](sql::Connection& c) { return redeem_handoff(c, token, audience, ip, ua); });
    }

    redeem_outcome outcome(const std::string& token, const std::string& audience = "aws",
                           const std::string& ip = "203.0.113.9",
                           const std::string& ua = browser_ua) {
        return redeem(token, audience, ip, ua).outcome;
    }

    // Moves the token's expiry into the past (test setup: never sleep).
    void expire(const std::string& token) {
        db_.execute(
            "UPDATE gangway_handoff SET expires_at = UTC_TIMESTAMP(6) - INTERVAL 1 SECOND"
            " WHERE token_hash = UNHEX('" +
            upper_hex(token_hash(token)) + "')");
    }

    std::uint64_t scalar(const std::string& query) {
        return must([&](sql::Connection& c) {
            std::unique_ptr<sql::Statement> st(c.createStatement());
            std::unique_ptr<sql::ResultSet> rs(st->executeQuery(query));
            return rs->next() ? rs->getUInt64(1) : std::uint64_t{0};
        });
    }

    std::uint64_t row_count() { return scalar("SELECT COUNT(*) FROM gangway_handoff"); }

    testing::test_database db_;
    db_pool pool_;
};

TEST_F(HandoffStore, RedeemOnceReturnsEveryField) {
    const std::string token = issue();
    const redeemed_handoff r = redeem(token);
    ASSERT_EQ(r.outcome, redeem_outcome::redeemed);
    ASSERT_TRUE(r.grant);
    const handoff_grant want = sample_grant();
    EXPECT_EQ(r.grant->user_id, want.user_id);
    EXPECT_EQ(r.grant->account_id, want.account_id);
    EXPECT_EQ(r.grant->email, want.email);
    EXPECT_EQ(r.grant->audience, want.audience);
    EXPECT_EQ(r.grant->placement_version, want.placement_version);
    EXPECT_EQ(r.grant->target, want.target);
    EXPECT_EQ(r.grant->client_ip, want.client_ip);
    EXPECT_EQ(r.grant->user_agent, want.user_agent);
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM gangway_handoff WHERE redeemed_at IS NOT NULL"), 1u);
}

TEST_F(HandoffStore, SecondRedeemIsReplayed) {
    const std::string token = issue();
    ASSERT_EQ(outcome(token), redeem_outcome::redeemed);
    const redeemed_handoff again = redeem(token);
    EXPECT_EQ(again.outcome, redeem_outcome::replayed);
    EXPECT_FALSE(again.grant);
    EXPECT_EQ(outcome(token), redeem_outcome::replayed);
    EXPECT_EQ(outcome(token, "aws", "198.51.100.1"), redeem_outcome::replayed)
        << "a used token is a replay whoever presents it";
}

TEST_F(HandoffStore, ExpiredIsRefusedAndNotRedeemed) {
    const std::string token = issue(sample_grant(), 1s);
    expire(token);
    const redeemed_handoff r = redeem(token);
    EXPECT_EQ(r.outcome, redeem_outcome::expired);
    EXPECT_FALSE(r.grant);
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM gangway_handoff WHERE redeemed_at IS NULL"), 1u);
}

TEST_F(HandoffStore, WrongAudienceOrClientIsRefusedAndTheTokenStaysRedeemable) {
    const std::string token = issue();
    EXPECT_EQ(outcome(token, "legacy"), redeem_outcome::wrong_audience);
    EXPECT_EQ(outcome(token, "AWS"), redeem_outcome::wrong_audience) << "site names are exact";
    EXPECT_EQ(outcome(token, ""), redeem_outcome::wrong_audience);
    EXPECT_EQ(outcome(token, "aws", "203.0.113.10"), redeem_outcome::wrong_client);
    EXPECT_EQ(outcome(token, "aws", "2001:db8::1"), redeem_outcome::wrong_client);
    EXPECT_EQ(outcome(token, "aws", "203.0.113.9", "curl/8.0"), redeem_outcome::wrong_client);
    EXPECT_EQ(outcome(token, "aws", "203.0.113.9", ""), redeem_outcome::wrong_client);
    EXPECT_EQ(outcome(token, "aws", "203.0.113.9", std::string(browser_ua) + " "),
              redeem_outcome::wrong_client);
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM gangway_handoff WHERE redeemed_at IS NULL"), 1u)
        << "a refused attempt must not burn the token";
    EXPECT_EQ(outcome(token), redeem_outcome::redeemed);
}

TEST_F(HandoffStore, MalformedOrTamperedTokensAreUnknown) {
    const std::string token = issue();

    std::string tampered = token;
    tampered[10] = tampered[10] == 'A' ? 'B' : 'A';
    EXPECT_EQ(outcome(tampered), redeem_outcome::unknown);
    std::string last_changed = token;
    last_changed.back() = last_changed.back() == 'A' ? 'E' : 'A';  // still canonical base64url
    EXPECT_EQ(outcome(last_changed), redeem_outcome::unknown);
    std::string bad_char = token;
    bad_char[5] = '+';
    EXPECT_EQ(outcome(bad_char), redeem_outcome::unknown);
    EXPECT_EQ(outcome(token.substr(0, 42)), redeem_outcome::unknown);
    EXPECT_EQ(outcome(token + "A"), redeem_outcome::unknown);
    EXPECT_EQ(outcome(token + "="), redeem_outcome::unknown);
    EXPECT_EQ(outcome(""), redeem_outcome::unknown);
    std::string garbage(10 * 1024, '\0');
    for (std::size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>(i * 131 + 7);
    EXPECT_EQ(outcome(garbage), redeem_outcome::unknown);
    EXPECT_EQ(outcome(std::string(10 * 1024, 'A')), redeem_outcome::unknown);
    // Its hash, its raw bytes: not the token either.
    const auto raw = base64url_decode(token);
    ASSERT_TRUE(raw);
    EXPECT_EQ(outcome(upper_hex(token_hash(token))), redeem_outcome::unknown);
    EXPECT_EQ(outcome(*raw), redeem_outcome::unknown);

    EXPECT_EQ(outcome(token), redeem_outcome::redeemed) << "none of that touched the real token";
}

TEST_F(HandoffStore, TwentyConcurrentRedemptionsGiveExactlyOneSuccess) {
    const std::string token = issue();
    constexpr int attempts = 20;
    database_config cfg = db_.config();
    cfg.pool_size = attempts;  // each thread on a connection of its own
    db_pool wide(cfg);
    // Open every connection first, so the attempts race on the UPDATE and not on connecting.
    {
        std::latch opened(attempts);
        std::vector<std::thread> warm;
        for (int i = 0; i < attempts; ++i)
            warm.emplace_back([&] {
                wide.run_blocking([&](sql::Connection&) {
                    opened.arrive_and_wait();
                    return true;
                });
            });
        for (auto& t : warm) t.join();
    }

    std::vector<db_result<redeemed_handoff>> results(attempts);
    std::latch start(attempts);
    std::vector<std::thread> threads;
    for (int i = 0; i < attempts; ++i)
        threads.emplace_back([&, i] {
            results[i] = wide.run_blocking([&](sql::Connection& c) {
                start.arrive_and_wait();
                return redeem_handoff(c, token, "aws", "203.0.113.9", browser_ua);
            });
        });
    for (auto& t : threads) t.join();

    int redeemed = 0, replayed = 0;
    for (const auto& r : results) {
        ASSERT_TRUE(r) << r.message;
        if (r.value->outcome == redeem_outcome::redeemed) {
            ++redeemed;
            EXPECT_TRUE(r.value->grant);
        } else {
            EXPECT_EQ(r.value->outcome, redeem_outcome::replayed);
            EXPECT_FALSE(r.value->grant);
            ++replayed;
        }
    }
    EXPECT_EQ(redeemed, 1);
    EXPECT_EQ(replayed, attempts - 1);
}

TEST_F(HandoffStore, TheDatabaseHoldsOnlyTheHash) {
    const std::string token = issue();
    const auto raw = base64url_decode(token);
    ASSERT_TRUE(raw);
    // Every column of every row, as hex; neither the token text nor its raw bytes may appear.
    const std::string text_hex = upper_hex(token);
    const std::string raw_hex = upper_hex(*raw);
    auto columns = must([](sql::Connection& c) {
        std::unique_ptr<sql::Statement> st(c.createStatement());
        std::unique_ptr<sql::ResultSet> rs(st->executeQuery(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE()"
            " AND table_name = 'gangway_handoff' ORDER BY ordinal_position"));
        std::vector<std::string> names;
        while (rs->next()) names.push_back(rs->getString(1));
        return names;
    });
    ASSERT_EQ(columns.size(), 12u);
    for (const std::string& column : columns) {
        auto values = must([&](sql::Connection& c) {
            std::unique_ptr<sql::Statement> st(c.createStatement());
            std::unique_ptr<sql::ResultSet> rs(
                st->executeQuery("SELECT COALESCE(HEX(" + column + "), '') FROM gangway_handoff"));
            std::vector<std::string> out;
            while (rs->next()) out.push_back(rs->getString(1));
            return out;
        });
        ASSERT_EQ(values.size(), 1u);
        const std::string& v = values.front();
        for (const std::string* needle : {&text_hex, &raw_hex})
            for (auto at = v.find(*needle); at != std::string::npos; at = v.find(*needle, at + 1))
                EXPECT_NE(at % 2, 0u) << "column " << column << " holds the token";
    }
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM gangway_handoff WHERE token_hash = UNHEX('" +
                     upper_hex(token_hash(token)) + "')"),
              1u);
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM gangway_handoff WHERE user_agent_hash = UNHEX('" +
                     upper_hex(token_hash(browser_ua)) + "')"),
              1u)
        << "the User-Agent is stored as its SHA-256";
}

TEST_F(HandoffStore, TtlIsClampedToOneToSixtySeconds) {
    const auto ttl_of = [&](const std::string& token) {
        return scalar(
            "SELECT TIMESTAMPDIFF(MICROSECOND, created_at, expires_at) FROM gangway_handoff"
            " WHERE token_hash = UNHEX('" +
            upper_hex(token_hash(token)) + "')");
    };
    EXPECT_EQ(ttl_of(issue(sample_grant(), 3600s)), 60'000'000u);
    EXPECT_EQ(ttl_of(issue(sample_grant(), 61s)), 60'000'000u);
    EXPECT_EQ(ttl_of(issue(sample_grant(), 60s)), 60'000'000u);
    EXPECT_EQ(ttl_of(issue(sample_grant(), 15s)), 15'000'000u);
    EXPECT_EQ(ttl_of(issue(sample_grant(), 0s)), 1'000'000u);
    EXPECT_EQ(ttl_of(issue(sample_grant(), -5s)), 1'000'000u);
}

TEST_F(HandoffStore, StoreRefusesWhatCouldNeverBeRedeemedOrWouldBeCut) {
    const auto store = [&](const std::string& token, const handoff_grant& g) {
        return pool_.run_blocking([&](sql::Connection& c) {
            store_handoff(c, token, g, 30s);
            return true;
        });
    };
    EXPECT_EQ(store("short", sample_grant()).error, db_error::failed);
    handoff_grant g = sample_grant();
    g.target = "/" + std::string(max_handoff_target_bytes, 'x');
    EXPECT_EQ(store(new_handoff_token(), g).error, db_error::failed);
    g = sample_grant();
    g.audience.clear();
    EXPECT_EQ(store(new_handoff_token(), g).error, db_error::failed);
    g = sample_grant();
    g.email = std::string(max_handoff_email_bytes + 1, 'e');
    EXPECT_EQ(store(new_handoff_token(), g).error, db_error::failed);
    g = sample_grant();
    g.client_ip = std::string(max_handoff_client_ip_bytes + 1, '1');
    EXPECT_EQ(store(new_handoff_token(), g).error, db_error::failed);
    EXPECT_EQ(row_count(), 0u);

    const std::string token = new_handoff_token();
    ASSERT_TRUE(store(token, sample_grant()));
    EXPECT_EQ(store(token, sample_grant()).error, db_error::conflict) << "one row per token";

    g = sample_grant();
    g.target = "/" + std::string(max_handoff_target_bytes - 1, 'x');
    g.email = std::string(max_handoff_email_bytes, 'e');
    const std::string longest = new_handoff_token();
    ASSERT_TRUE(store(longest, g));
    const redeemed_handoff r = redeem(longest);
    ASSERT_EQ(r.outcome, redeem_outcome::redeemed);
    EXPECT_EQ(r.grant->target, g.target);
    EXPECT_EQ(r.grant->email, g.email);
}

TEST_F(HandoffStore, PurgeRemovesExpiredRowsOnly) {
    const std::string expired = issue();
    const std::string expired_used = issue();
    const std::string live = issue();
    const std::string live_used = issue();
    ASSERT_EQ(outcome(expired_used), redeem_outcome::redeemed);
    ASSERT_EQ(outcome(live_used), redeem_outcome::redeemed);
    expire(expired);
    expire(expired_used);

    EXPECT_EQ(must([](sql::Connection& c) { return purge_expired_handoffs(c); }), 2u);
    EXPECT_EQ(row_count(), 2u);
    EXPECT_EQ(must([](sql::Connection& c) { return purge_expired_handoffs(c); }), 0u);
    EXPECT_EQ(outcome(expired), redeem_outcome::unknown);
    EXPECT_EQ(outcome(expired_used), redeem_outcome::unknown);
    EXPECT_EQ(outcome(live_used), redeem_outcome::replayed);
    EXPECT_EQ(outcome(live), redeem_outcome::redeemed);
}

}  // namespace
}  // namespace gangway
