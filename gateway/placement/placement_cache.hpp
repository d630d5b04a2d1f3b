#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/filters/routing_decision.hpp"

namespace gangway {

// Where each account lives, as this gateway last read it from its site's database.
//
// One writer (the placement refresher) and any number of readers (request handling on every
// I/O thread). A lookup is a hash probe over atomics: O(1), no lock, no allocation, no
// contention with the writer. Slots are 16 bytes in an open-addressing table kept at most
// half full; growth publishes a new table and keeps the old one until the cache is destroyed,
// so a reader holding the old pointer stays safe (memory stays within 2x of the live table).
class placement_cache {
public:
    struct entry {
        placement_lookup state;
        std::string_view site;  // valid as long as the cache lives
        std::uint64_t version;
    };

    explicit placement_cache(std::size_t expected_accounts = 1024);
    ~placement_cache();
    placement_cache(const placement_cache&) = delete;
    placement_cache& operator=(const placement_cache&) = delete;

    // Reader side: safe from any thread at any time.
    std::optional<entry> find(std::uint64_t account_id) const noexcept;
    std::size_t size() const noexcept { return size_.load(std::memory_order_relaxed); }
    // Memory held for slots, retired tables included.
    std::size_t bytes() const noexcept { return bytes_.load(std::memory_order_relaxed); }

    // How far the cache can be trusted at `now`: fresh until refresh_bound after the last
    // successful refresh, then stale (serve known active accounts) until stale_serve, then
    // expired. Never loaded counts as expired.
    cache_health health(std::chrono::steady_clock::time_point now,
                        std::chrono::milliseconds refresh_bound,
                        std::chrono::milliseconds stale_serve) const noexcept;
    // Milliseconds since the last successful refresh; -1 before the first.
    std::int64_t age_ms(std::chrono::steady_clock::time_point now) const noexcept;

    // Writer side: one thread only. mark_refreshed() after every successful read of the
    // database (changes applied or none).
    void mark_refreshed(std::chrono::steady_clock::time_point at) noexcept {
        last_refresh_ns_.store(at.time_since_epoch().count(), std::memory_order_release);
    }
    // Versions never go back: an older version than the one held is ignored (a page of
    // changes read before a newer one).
    void apply(std::uint64_t account_id, placement_lookup state, std::string_view site,
               std::uint64_t version);

private:
    struct slot {
        std::atomic<std::uint64_t> key{0};    // account id + 1; 0 = empty
        std::atomic<std::uint64_t> value{0};  // version << 10 | site index << 2 | state
    };
    struct table {
        explicit table(std::size_t capacity) : mask(capacity - 1), slots(new slot[capacity]) {}
        std::size_t mask;
        std::unique_ptr<slot[]> slots;
    };
    static constexpr std::size_t max_sites = 256;

    static std::size_t hash(std::uint64_t key) noexcept;
    slot* find_slot(const table& t, std::uint64_t key) const noexcept;
    std::uint64_t site_index(std::string_view site);
    void grow();

    std::atomic<table*> table_;
    std::vector<std::unique_ptr<table>> tables_;  // the live one last; writer only
    std::atomic<std::size_t> size_{0};
    std::atomic<std::size_t> bytes_{0};
    std::atomic<std::int64_t> last_refresh_ns_{0};  // steady_clock; 0 = never
    std::array<std::atomic<const std::string*>, max_sites> site_names_{};
    std::vector<std::unique_ptr<std::string>> site_storage_;  // writer only
};

// How old the cache may be and still count as fresh: a few refresh rounds, so that one slow
// round is not reported as an outage.
inline std::chrono::milliseconds fresh_bound(std::chrono::milliseconds refresh_interval) {
    return refresh_interval * 3 + std::chrono::milliseconds(250);
}

// Requests in flight per account, for the fence: "has this instance still a request of
// account A in flight?". Accounts share 65536 counters by hash, so a count can include other
// accounts' requests: the answer errs on the side of "yes", which only makes a lock wait a
// little longer. Lock-free; one relaxed-free atomic add per request start and end.
class inflight_counters {
public:
    void started(std::uint64_t account_id) noexcept { at(account_id).fetch_add(1); }
    void finished(std::uint64_t account_id) noexcept { at(account_id).fetch_sub(1); }
    std::int32_t count(std::uint64_t account_id) const noexcept { return at(account_id).load(); }

private:
    static constexpr std::size_t buckets = 65536;
    std::atomic<std::int32_t>& at(std::uint64_t id) noexcept { return counts_[index(id)]; }
    const std::atomic<std::int32_t>& at(std::uint64_t id) const noexcept {
        return counts_[index(id)];
    }
    static std::size_t index(std::uint64_t id) noexcept {
        return static_cast<std::size_t>((id * 0x9E3779B97F4A7C15ull) >> 48);
    }
    std::array<std::atomic<std::int32_t>, buckets> counts_{};
};

// Holds one account's in-flight count for the life of a proxied exchange.
class inflight_guard {
public:
    inflight_guard() = default;
    inflight_guard(inflight_counters& c, std::uint64_t account) : counters_(&c), account_(account) {
        c.started(account);
    }
    inflight_guard(inflight_guard&& o) noexcept
        : counters_(std::exchange(o.counters_, nullptr)), account_(o.account_) {}
    inflight_guard& operator=(inflight_guard&& o) noexcept {
        release();
        counters_ = std::exchange(o.counters_, nullptr);
        account_ = o.account_;
        return *this;
    }
    ~inflight_guard() { release(); }
    void release() noexcept {
        if (counters_) std::exchange(counters_, nullptr)->finished(account_);
    }

private:
    inflight_counters* counters_ = nullptr;
    std::uint64_t account_ = 0;
};

}  // namespace gangway
