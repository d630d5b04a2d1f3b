#include "gateway/auth/peer_envelope.hpp"

#include <atomic>
#include <latch>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <limits>

#include <gtest/gtest.h>

#include "tests/support/test_keys.hpp"

#include "common/crypto/base64url.hpp"
#include "common/crypto/key_ring.hpp"
#include "common/crypto/sealed_box.hpp"
#include "common/time/clock.hpp"

namespace gangway {
namespace {

using namespace std::chrono_literals;
using time_point = std::chrono::system_clock::time_point;

using testing::ring_of;

constexpr std::int64_t start_s = 1'800'000'000;
const time_point start{std::chrono::seconds(start_s)};

// The documented plaintext layout, written independently of the encoder so the tests pin the
// wire format and can build envelopes the API refuses to make.
struct raw_fields {
    unsigned char version = 1;
    std::string sender = "legacy";
    std::string audience = "aws";
    std::int64_t issued_at = start_s;
    std::int64_t expires_at = start_s + 30;
    std::string id = std::string(16, '\x5a');
    std::string kind = "login_request";
    std::string body = "{}";
    std::optional<std::uint32_t> declared_body_size;
    std::string trailer;
};

void put_uint(std::string& out, std::uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((v >> (i * 8)) & 0xff);
}

std::string payload_of(const raw_fields& f) {
    std::string p;
    p += static_cast<char>(f.version);
    p += static_cast<char>(f.sender.size());
    p += f.sender;
    p += static_cast<char>(f.audience.size());
    p += f.audience;
    put_uint(p, static_cast<std::uint64_t>(f.issued_at), 8);
    put_uint(p, static_cast<std::uint64_t>(f.expires_at), 8);
    p += f.id;
    p += static_cast<char>(f.kind.size());
    p += f.kind;
    put_uint(p, f.declared_body_size.value_or(static_cast<std::uint32_t>(f.body.size())), 4);
    p += f.body;
    p += f.trailer;
    return p;
}

class PeerEnvelope : public ::testing::Test {
protected:
    manual_clock clock_{start};
    std::shared_ptr<const key_ring> keys_ = ring_of({{"e1", 7}});
    envelope_opener aws_{keys_, clock_, "aws"};

    envelope fresh(std::string body = "credentials", std::chrono::seconds ttl = default_envelope_ttl,
                   time_point at = start) const {
        return envelope::fresh("legacy", "aws", "login_request", std::move(body), at, ttl);
    }
    std::string sealed(std::string body = "credentials") const {
        return seal_envelope(*keys_, fresh(std::move(body)));
    }
    envelope_refusal refusal(std::string_view text) {
        const auto r = aws_.open(text);
        EXPECT_FALSE(r) << "accepted unexpectedly";
        return r.refusal;
    }
};

TEST_F(PeerEnvelope, RoundTripKeepsEveryField) {
    const envelope e = envelope::fresh("legacy", "aws", "login_answer",
                                       std::string("bin\0ary\xff", 8), start, 45s);
    const auto r = aws_.open(seal_envelope(*keys_, e));
    ASSERT_TRUE(r) << to_string(r.refusal);
    const opened_envelope& got = *r.envelope;
    EXPECT_EQ(got.version, envelope_version);
    EXPECT_EQ(got.sender, "legacy");
    EXPECT_EQ(got.audience, "aws");
    EXPECT_EQ(got.issued_at, start_s);
    EXPECT_EQ(got.expires_at, start_s + 45);
    EXPECT_EQ(got.message_id, e.message_id());
    EXPECT_EQ(got.kind, "login_answer");
    EXPECT_EQ(got.body, std::string("bin\0ary\xff", 8));
}

TEST_F(PeerEnvelope, FreshEnvelopesHaveRandom128BitHexIdsAndDefaultTtl) {
    std::set<std::string> ids;
    for (int i = 0; i < 200; ++i) {
        const envelope e = fresh();
        ASSERT_EQ(e.message_id().size(), 32u);
        EXPECT_EQ(e.message_id().find_first_not_of("0123456789abcdef"), std::string::npos);
        EXPECT_EQ(e.expires_at() - e.issued_at(), 30);
        ids.insert(e.message_id());
    }
    EXPECT_EQ(ids.size(), 200u);
}

TEST_F(PeerEnvelope, FreshRefusesWhatTheGatewayNeverSends) {
    EXPECT_THROW(envelope::fresh("aws", "aws", "login_request", "", start), std::invalid_argument);
    EXPECT_THROW(envelope::fresh("", "aws", "login_request", "", start), std::invalid_argument);
    EXPECT_THROW(envelope::fresh("Legacy", "aws", "login_request", "", start), std::invalid_argument);
    EXPECT_THROW(envelope::fresh("legacy", std::string(65, 'a'), "k", "", start),
                 std::invalid_argument);
    EXPECT_THROW(envelope::fresh("legacy", "aws", "", "", start), std::invalid_argument);
    EXPECT_THROW(envelope::fresh("legacy", "aws", "Login", "", start), std::invalid_argument);
    EXPECT_THROW(envelope::fresh("legacy", "aws", std::string(33, 'k'), "", start),
                 std::invalid_argument);
    EXPECT_THROW(fresh("", 0s), std::invalid_argument);
    EXPECT_THROW(fresh("", 121s), std::invalid_argument);
    EXPECT_NO_THROW(fresh("", 120s));
    EXPECT_THROW(fresh(std::string(max_envelope_body_bytes + 1, 'x')), std::length_error);
}

TEST_F(PeerEnvelope, SameSealedBytesOpenOnlyOnce) {
    const std::string text = sealed();
    EXPECT_TRUE(aws_.open(text));
    EXPECT_EQ(refusal(text), envelope_refusal::replayed);
    clock_.advance(20s);
    EXPECT_EQ(refusal(text), envelope_refusal::replayed);
}

TEST_F(PeerEnvelope, ResealedCopyOfTheSameMessageIdIsRefused) {
    const envelope e = fresh();
    const std::string first = seal_envelope(*keys_, e);
    const std::string second = seal_envelope(*keys_, e);
    ASSERT_NE(first, second);  // fresh nonce: different bytes, same message id
    EXPECT_TRUE(aws_.open(second));
    EXPECT_EQ(refusal(first), envelope_refusal::replayed);
    // Even re-sealed under a newer key by someone holding the ring.
    auto rotated = ring_of({{"e2", 8}, {"e1", 7}});
    envelope_opener aws2(rotated, clock_, "aws");
    EXPECT_TRUE(aws2.open(first));
    EXPECT_EQ(aws2.open(seal_envelope(*rotated, e)).refusal, envelope_refusal::replayed);
}

TEST_F(PeerEnvelope, ExpiresAtItsExpiry) {
    const std::string a = sealed(), b = sealed();
    clock_.advance(29s);
    EXPECT_TRUE(aws_.open(a));
    clock_.advance(1s);
    EXPECT_EQ(refusal(b), envelope_refusal::expired);
    const std::string longest = seal_envelope(*keys_, fresh("", 120s, clock_.now()));
    clock_.advance(119s);
    EXPECT_TRUE(aws_.open(longest));
}

TEST_F(PeerEnvelope, RefusesEnvelopesIssuedTooFarAhead) {
    EXPECT_TRUE(aws_.open(seal_envelope(*keys_, fresh("", 30s, start + 30s))));
    EXPECT_EQ(refusal(seal_envelope(*keys_, fresh("", 30s, start + 31s))),
              envelope_refusal::not_yet_valid);
    clock_.advance(1s);
    EXPECT_TRUE(aws_.open(seal_envelope(*keys_, fresh("", 30s, start + 31s))));
}

TEST_F(PeerEnvelope, OnlyTheAudienceOpensIt) {
    const std::string text = sealed();
    envelope_opener eu(keys_, clock_, "eu");
    EXPECT_EQ(eu.open(text).refusal, envelope_refusal::wrong_audience);
    EXPECT_EQ(eu.remembered(), 0u);
    EXPECT_TRUE(aws_.open(text));  // refusal elsewhere did not burn the id
}

TEST_F(PeerEnvelope, ReflectedBackToItsSenderIsRefused) {
    envelope_opener legacy(keys_, clock_, "legacy");
    EXPECT_EQ(legacy.open(sealed()).refusal, envelope_refusal::reflected);
    // A self-addressed one cannot be made with fresh(); a forged one is still refused.
    raw_fields f;
    f.audience = "legacy";
    EXPECT_EQ(legacy.open(seal(*keys_, "envelope", payload_of(f))).refusal,
              envelope_refusal::reflected);
}

TEST_F(PeerEnvelope, RotatedKeysStillOpenRetiredOnesDoNot) {
    auto old_ring = ring_of({{"e1", 7}});
    auto rotated = ring_of({{"e2", 8}, {"e1", 7}});
    auto retired = ring_of({{"e2", 8}});
    envelope_opener rotated_aws(rotated, clock_, "aws");
    envelope_opener old_aws(old_ring, clock_, "aws");
    envelope_opener retired_aws(retired, clock_, "aws");

    EXPECT_TRUE(rotated_aws.open(seal_envelope(*old_ring, fresh())));  // sender not rotated yet
    EXPECT_EQ(old_aws.open(seal_envelope(*rotated, fresh())).refusal,
              envelope_refusal::unknown_key);  // receiver not rotated yet: loud, not silent
    EXPECT_TRUE(retired_aws.open(seal_envelope(*rotated, fresh())));
    EXPECT_EQ(retired_aws.open(seal_envelope(*old_ring, fresh())).refusal,
              envelope_refusal::unknown_key);
    // Same id, other key material: a seal that does not verify.
    envelope_opener impostor(ring_of({{"e1", 9}}), clock_, "aws");
    EXPECT_EQ(impostor.open(sealed()).refusal, envelope_refusal::bad_seal);
}

TEST_F(PeerEnvelope, EveryModifiedByteIsRefused) {
    const std::string text = sealed("a body of some length");
    const std::string raw = *base64url_decode(text);
    const std::size_t id_end = 2 + 2;  // version, id length, "e1"
    for (std::size_t i = 0; i < raw.size(); ++i) {
        for (unsigned char flip : {0x01, 0x80, 0xff}) {
            std::string bad = raw;
            bad[i] = static_cast<char>(bad[i] ^ flip);
            const envelope_refusal r = refusal(base64url_encode(bad));
            if (i == 0) EXPECT_EQ(r, envelope_refusal::malformed) << i;
            else if (i >= id_end) EXPECT_EQ(r, envelope_refusal::bad_seal) << i;
            else EXPECT_TRUE(r == envelope_refusal::malformed || r == envelope_refusal::unknown_key ||
                             r == envelope_refusal::bad_seal) << i;
        }
    }
    EXPECT_EQ(aws_.remembered(), 0u);
    EXPECT_TRUE(aws_.open(text));  // the untouched original still opens once
}

TEST_F(PeerEnvelope, TruncatedAndJunkAreMalformedOrBadSeal) {
    const std::string text = sealed();
    const std::string raw = *base64url_decode(text);
    for (std::size_t n = 0; n < raw.size(); ++n) {
        const envelope_refusal r = refusal(base64url_encode(raw.substr(0, n)));
        if (n < 2 + 2 + 12 + 16) EXPECT_EQ(r, envelope_refusal::malformed) << n;
        else EXPECT_EQ(r, envelope_refusal::bad_seal) << n;
    }
    for (std::size_t n = 0; n < text.size(); n += 7)
        EXPECT_FALSE(aws_.open(text.substr(0, n))) << n;
    EXPECT_EQ(refusal(""), envelope_refusal::malformed);
    EXPECT_EQ(refusal(text + "="), envelope_refusal::malformed);
    EXPECT_EQ(refusal("not base64!"), envelope_refusal::malformed);
    EXPECT_EQ(refusal(base64url_encode(raw + '\0')), envelope_refusal::bad_seal);
}

TEST_F(PeerEnvelope, OtherPurposesNeverOpenAsEnvelopes) {
    const std::string payload = payload_of(raw_fields{});
    EXPECT_TRUE(aws_.open(seal(*keys_, "envelope", payload)));  // the layout above is right
    EXPECT_EQ(refusal(seal(*keys_, "session", payload)), envelope_refusal::bad_seal);
    EXPECT_EQ(refusal(seal(*keys_, "handoff", payload)), envelope_refusal::bad_seal);
}

TEST_F(PeerEnvelope, MalformedPlaintextIsRefused) {
    auto with = [&](auto change) {
        raw_fields f;
        change(f);
        return refusal(seal(*keys_, "envelope", payload_of(f)));
    };
    using R = envelope_refusal;
    EXPECT_EQ(with([](raw_fields& f) { f.version = 2; }), R::malformed);
    EXPECT_EQ(with([](raw_fields& f) { f.version = 0; }), R::malformed);
    EXPECT_EQ(with([](raw_fields& f) { f.trailer = "x"; }), R::malformed);
    EXPECT_EQ(with([](raw_fields& f) { f.declared_body_size = 3; }), R::malformed);
    EXPECT_EQ(with([](raw_fields& f) { f.declared_body_size = 1; }), R::malformed);
    EXPECT_EQ(with([](raw_fields& f) { f.id = std::string(15, 'i'); }), R::malformed);
    EXPECT_EQ(with([](raw_fields& f) { f.sender = ""; }), R::malformed);
    EXPECT_EQ(with([](raw_fields& f) { f.sender = "le/acy"; }), R::malformed);
    EXPECT_EQ(with([](raw_fields& f) { f.audience = "AWS"; }), R::malformed);
    EXPECT_EQ(with([](raw_fields& f) { f.audience = std::string(65, 'a'); }), R::malformed);
    EXPECT_EQ(with([](raw_fields& f) { f.kind = ""; }), R::malformed);
    EXPECT_EQ(with([](raw_fields& f) { f.kind = "login-request"; }), R::malformed);
    EXPECT_EQ(with([](raw_fields& f) { f.expires_at = f.issued_at; }), R::malformed);
    EXPECT_EQ(with([](raw_fields& f) { f.expires_at = f.issued_at + 121; }), R::malformed);
    EXPECT_EQ(with([](raw_fields& f) { f.issued_at = -5; f.expires_at = -1; }), R::expired);
    // A lifetime whose signed difference overflows (found by fuzz_login): not ours, refused.
    EXPECT_EQ(with([](raw_fields& f) { f.issued_at = std::numeric_limits<std::int64_t>::min(); }),
              R::malformed);
    EXPECT_EQ(with([](raw_fields& f) { f.declared_body_size = max_envelope_body_bytes + 1; }),
              R::too_large);
    EXPECT_EQ(aws_.remembered(), 0u);
    // Every payload shorter than a valid one is malformed.
    const std::string good = payload_of(raw_fields{});
    for (std::size_t n = 0; n < good.size(); ++n)
        EXPECT_EQ(refusal(seal(*keys_, "envelope", good.substr(0, n))), R::malformed) << n;
}

TEST_F(PeerEnvelope, SizeLimits) {
    EXPECT_EQ(refusal(std::string(max_envelope_sealed_bytes + 1, 'A')), envelope_refusal::too_large);
    // The largest body that seals within the limit opens; one byte more is refused at sealing,
    // never sent to fail at the peer.
    std::size_t fits = 0;
    for (std::size_t n = 0; n <= max_envelope_body_bytes; n += 1) {
        try {
            (void)seal_envelope(*keys_, fresh(std::string(n, 'b')));
            fits = n;
        } catch (const std::length_error&) {
            break;
        }
    }
    EXPECT_EQ(fits, max_envelope_body_bytes);  // the whole 16 KiB: sealed_box opens it with its bound
    EXPECT_TRUE(aws_.open(sealed(std::string(fits, 'b'))));
    if (fits < max_envelope_body_bytes) {
        EXPECT_THROW((void)sealed(std::string(fits + 1, 'b')), std::length_error);
    }
}

TEST_F(PeerEnvelope, CapacityRefusesRatherThanForgetting) {
    envelope_opener small(keys_, clock_, "aws", 2);
    const std::string a = seal_envelope(*keys_, fresh("a", 10s));
    const std::string b = seal_envelope(*keys_, fresh("b", 60s));
    const std::string c = seal_envelope(*keys_, fresh("c", 60s));
    EXPECT_TRUE(small.open(a));
    EXPECT_TRUE(small.open(b));
    EXPECT_EQ(small.open(c).refusal, envelope_refusal::overloaded);
    EXPECT_EQ(small.open(a).refusal, envelope_refusal::replayed);  // still remembered
    EXPECT_EQ(small.remembered(), 2u);
    clock_.advance(10s);  // a has expired: its id may go
    EXPECT_TRUE(small.open(c));
    EXPECT_EQ(small.remembered(), 2u);
    EXPECT_EQ(small.open(a).refusal, envelope_refusal::expired);
    EXPECT_EQ(small.open(b).refusal, envelope_refusal::replayed);
    clock_.advance(50s);
    EXPECT_TRUE(small.open(seal_envelope(*keys_, fresh("d", 30s, clock_.now()))));
    EXPECT_EQ(small.remembered(), 1u);  // b and c expired and were dropped
}

TEST_F(PeerEnvelope, ExpiredIdsAreEvictedSoMemoryStaysBounded) {
    envelope_opener small(keys_, clock_, "aws", 5);
    for (int round = 0; round < 20; ++round) {
        for (int i = 0; i < 5; ++i)
            ASSERT_TRUE(small.open(seal_envelope(*keys_, fresh("x", 5s, clock_.now()))))
                << round << " " << i;
        EXPECT_EQ(small.remembered(), 5u);
        clock_.advance(5s);
    }
}

TEST_F(PeerEnvelope, ClockSteppingBackDoesNotReopenEvictedIds) {
    const std::string a = seal_envelope(*keys_, fresh("a", 5s));
    EXPECT_TRUE(aws_.open(a));
    clock_.advance(6s);
    EXPECT_TRUE(aws_.open(seal_envelope(*keys_, fresh("b", 5s, clock_.now()))));  // evicts a
    EXPECT_EQ(aws_.remembered(), 1u);
    clock_.advance(-6s);
    EXPECT_FALSE(aws_.open(a));
}

TEST_F(PeerEnvelope, ConcurrentOpensAcceptExactlyOne) {
    for (int round = 0; round < 50; ++round) {
        const std::string text = sealed();
        std::atomic<int> accepted{0}, replayed{0};
        std::latch go(8);
        std::vector<std::thread> threads;
        for (int t = 0; t < 8; ++t)
            threads.emplace_back([&] {
                go.arrive_and_wait();
                const auto r = aws_.open(text);
                if (r) ++accepted;
                else if (r.refusal == envelope_refusal::replayed) ++replayed;
            });
        for (auto& t : threads) t.join();
        EXPECT_EQ(accepted.load(), 1) << round;
        EXPECT_EQ(replayed.load(), 7) << round;
    }
}

TEST(PeerEnvelopeReasons, EachRefusalHasItsOwnName) {
    std::set<std::string_view> names;
    for (auto r : {envelope_refusal::malformed, envelope_refusal::unknown_key,
                   envelope_refusal::bad_seal, envelope_refusal::wrong_audience,
                   envelope_refusal::reflected, envelope_refusal::expired,
                   envelope_refusal::not_yet_valid, envelope_refusal::replayed,
                   envelope_refusal::overloaded, envelope_refusal::too_large})
        names.insert(to_string(r));
    EXPECT_EQ(names.size(), 10u);
    EXPECT_EQ(to_string(envelope_refusal::bad_seal), "bad_seal");
}

}  // namespace
}  // namespace gangway
