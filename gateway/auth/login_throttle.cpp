#include "gateway/auth/login_throttle.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace gangway {
namespace {

constexpr std::size_t max_key_bytes = 320;
constexpr std::size_t max_shards = 16;
// Bucket keys carry their kind in the first byte, so an email can never share a bucket with
// an address that happens to be spelled the same.
constexpr char ip_tag = 'i';
constexpr char email_tag = 'e';

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

}  // namespace

struct login_throttle::shard {
    using entry = std::pair<std::string, bucket>;
    std::mutex mutex;
    std::list<entry> lru;  // most recently used first
    // Keys view the strings inside `lru`, whose nodes never move.
    std::unordered_map<std::string_view, std::list<entry>::iterator> index;
};

std::string_view to_string(throttle_verdict v) noexcept {
    switch (v) {
        case throttle_verdict::allowed: return "allowed";
        case throttle_verdict::limited: return "limited";
        case throttle_verdict::would_limit: return "would_limit";
    }
    return "unknown";
}

std::string throttle_email_key(std::string_view email) {
    while (!email.empty() && is_space(email.front())) email.remove_prefix(1);
    while (!email.empty() && is_space(email.back())) email.remove_suffix(1);
    std::string key(email.substr(0, max_key_bytes));
    for (char& c : key)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return key;
}

std::string throttle_ip_key(std::string_view ip) {
    const std::string text(ip.substr(0, 64));
    unsigned char bytes[16];
    char out[INET6_ADDRSTRLEN];
    if (inet_pton(AF_INET, text.c_str(), bytes) == 1) return text;
    if (inet_pton(AF_INET6, text.c_str(), bytes) != 1) return std::string(ip.substr(0, max_key_bytes));
    static constexpr unsigned char mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(bytes, mapped_prefix, 12) == 0)
        return inet_ntop(AF_INET, bytes + 12, out, sizeof out) ? std::string(out) : text;
    std::memset(bytes + 8, 0, 8);
    if (!inet_ntop(AF_INET6, bytes, out, sizeof out)) return text;
    return std::string(out) + "/64";
}

login_throttle::login_throttle(throttle_settings settings) : settings_(settings) {
    if (!(settings_.ip_rate_per_min > 0) || !(settings_.email_rate_per_min > 0) ||
        settings_.ip_burst == 0 || settings_.email_burst == 0 || settings_.max_tracked_keys == 0)
        throw std::invalid_argument("throttle rates and bursts must be positive");
    // Every shard holds at least one bucket and all of them together at most max_tracked_keys.
    shard_count_ = std::min(max_shards, settings_.max_tracked_keys);
    per_shard_keys_ = settings_.max_tracked_keys / shard_count_;
    shards_ = std::make_unique<shard[]>(shard_count_);
}

login_throttle::~login_throttle() = default;

login_throttle::shard& login_throttle::shard_for(std::string_view key) const {
    return shards_[std::hash<std::string_view>{}(key) % shard_count_];
}

// Tokens in the bucket at `now`, without taking any; a missing bucket is full. Marks the
// bucket as used, so a key under attack is the last to be evicted.
double login_throttle::available(std::string_view key, time_point now) {
    const bool is_ip = key.front() == ip_tag;
    const double burst = is_ip ? settings_.ip_burst : settings_.email_burst;
    const double per_s = (is_ip ? settings_.ip_rate_per_min : settings_.email_rate_per_min) / 60.0;
    shard& s = shard_for(key);
    std::lock_guard lock(s.mutex);
    const auto it = s.index.find(key);
    if (it == s.index.end()) return burst;
    s.lru.splice(s.lru.begin(), s.lru, it->second);
    const bucket& b = it->second->second;
    // A time earlier than the last update (callers on other threads read the clock first and
    // lock later) refills nothing rather than draining the bucket.
    const double elapsed = std::max(0.0, std::chrono::duration<double>(now - b.last).count());
    return std::min(burst, b.tokens + elapsed * per_s);
}

void login_throttle::take(std::string_view key, time_point now) {
    const bool is_ip = key.front() == ip_tag;
    const double burst = is_ip ? settings_.ip_burst : settings_.email_burst;
    const double per_s = (is_ip ? settings_.ip_rate_per_min : settings_.email_rate_per_min) / 60.0;
    shard& s = shard_for(key);
    std::lock_guard lock(s.mutex);
    auto it = s.index.find(key);
    if (it == s.index.end()) {
        if (s.index.size() >= per_shard_keys_) {
            s.index.erase(s.lru.back().first);
            s.lru.pop_back();
        }
        s.lru.emplace_front(std::string(key), bucket{burst, now});
        it = s.index.emplace(s.lru.front().first, s.lru.begin()).first;
    } else {
        s.lru.splice(s.lru.begin(), s.lru, it->second);
    }
    bucket& b = it->second->second;
    const double elapsed = std::max(0.0, std::chrono::duration<double>(now - b.last).count());
    b.tokens = std::max(0.0, std::min(burst, b.tokens + elapsed * per_s) - 1.0);
    b.last = std::max(b.last, now);
}

throttle_decision login_throttle::check(std::string_view ip, std::string_view email,
                                        time_point now) {
    throttle_decision d;
    d.ip_exhausted = available(ip_tag + throttle_ip_key(ip), now) < 1.0;
    const std::string email_key = throttle_email_key(email);
    if (!email_key.empty()) d.email_exhausted = available(email_tag + email_key, now) < 1.0;
    if (d.ip_exhausted || d.email_exhausted)
        d.verdict = settings_.shadow ? throttle_verdict::would_limit : throttle_verdict::limited;
    return d;
}

void login_throttle::record_failure(std::string_view ip, std::string_view email, time_point now) {
    take(ip_tag + throttle_ip_key(ip), now);
    const std::string email_key = throttle_email_key(email);
    if (!email_key.empty()) take(email_tag + email_key, now);
}

std::size_t login_throttle::tracked_keys() const {
    std::size_t n = 0;
    for (std::size_t i = 0; i < shard_count_; ++i) {
        std::lock_guard lock(shards_[i].mutex);
        n += shards_[i].index.size();
    }
    return n;
}

}  // namespace gangway
