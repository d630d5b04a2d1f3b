#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace gangway {

// Brute-force limits for logins (and password-reset requests). Rates are tokens per minute;
// a bucket holds at most its burst and starts full.
struct throttle_settings {
    double ip_rate_per_min = 30;
    unsigned ip_burst = 30;
    double email_rate_per_min = 10;
    unsigned email_burst = 10;
    bool shadow = false;  // count and report, never refuse
    std::size_t max_tracked_keys = 100000;  // IP and email buckets together
};

enum class throttle_verdict {
    allowed,
    limited,      // refuse with the one 429 answer
    would_limit,  // shadow mode: allowed, but would have been limited
};

struct throttle_decision {
    throttle_verdict verdict = throttle_verdict::allowed;
    bool ip_exhausted = false;     // which bucket(s) are out of tokens
    bool email_exhausted = false;

    bool allowed() const noexcept { return verdict != throttle_verdict::limited; }
};

// "allowed", "limited", "would_limit": the reason string of logs and metrics.
std::string_view to_string(throttle_verdict v) noexcept;

// Token buckets per client address and per email. Only failures take tokens: check() looks,
// record_failure() takes one from each of the two buckets. A user who types the password
// right is never slowed by their own successes; credential stuffing against one account hits
// the email bucket from any number of addresses, password spraying from one address hits the
// IP bucket across any number of emails.
//
// check() does not reserve anything, so requests checked at the same moment all pass before
// their failures are recorded. Call it right before the verification itself (on the hashing
// pool, after the queue), which bounds that overshoot by the pool's size; a failure reported
// by a peer gateway is recorded here as well.
//
// Memory is bounded by max_tracked_keys buckets. A missing bucket is a full one, so only
// failures create buckets and dropping a bucket that has refilled loses nothing; past the
// bound the least recently used bucket of the shard goes (checks count as use, so the bucket
// of an account still under attack stays), which is the one that has had longest to refill
// (an email bucket refills fully in burst / rate = 1 minute by default). Forcing out a bucket
// that is still draining takes about max_tracked_keys fresh failures inside that time.
//
// Thread-safe: keys are spread over sharded mutexes; each call locks at most two shards, one
// at a time.
class login_throttle {
public:
    using time_point = std::chrono::steady_clock::time_point;

    // Throws std::invalid_argument for a rate <= 0, a burst of 0 or max_tracked_keys of 0
    // (config is validated at start-up).
    explicit login_throttle(throttle_settings settings);
    ~login_throttle();
    login_throttle(const login_throttle&) = delete;
    login_throttle& operator=(const login_throttle&) = delete;

    // An empty email (a form without one) checks the IP bucket only.
    throttle_decision check(std::string_view ip, std::string_view email, time_point now);
    void record_failure(std::string_view ip, std::string_view email, time_point now);

    std::size_t tracked_keys() const;
    const throttle_settings& settings() const noexcept { return settings_; }

private:
    struct bucket {
        double tokens;
        time_point last;
    };
    struct shard;

    shard& shard_for(std::string_view key) const;
    double available(std::string_view key, time_point now);
    void take(std::string_view key, time_point now);

    throttle_settings settings_;
    std::size_t shard_count_;
    std::size_t per_shard_keys_;
    std::unique_ptr<shard[]> shards_;
};

// Trims surrounding whitespace and lowercases ASCII letters, so "  Ada@Example.COM " and
// "ada@example.com" share a bucket. Keys are capped at 320 bytes (longer emails are refused
// before any check anyway; capping only merges junk into fewer buckets).
std::string throttle_email_key(std::string_view email);
// The address a client bucket is kept for: an IPv4 address as such (also when written
// IPv4-mapped, ::ffff:a.b.c.d), an IPv6 address by its /64, since one customer line usually
// holds a whole /64 and per-/128 buckets would cost an attacker nothing to dodge. Text that is
// not an address is kept verbatim (capped).
std::string throttle_ip_key(std::string_view ip);

}  // namespace gangway
