#include "gateway/placement/placement_cache.hpp"

#include <bit>

namespace gangway {
namespace {

constexpr std::uint64_t state_bits = 2;
constexpr std::uint64_t site_bits = 8;
constexpr std::uint64_t version_shift = state_bits + site_bits;

std::uint64_t pack(placement_lookup state, std::uint64_t site, std::uint64_t version) {
    return version << version_shift | site << state_bits | static_cast<std::uint64_t>(state);
}

}  // namespace

placement_cache::placement_cache(std::size_t expected_accounts) {
    auto first = std::make_unique<table>(std::bit_ceil(std::max<std::size_t>(16, expected_accounts * 2)));
    table_.store(first.get(), std::memory_order_release);
    bytes_.store((first->mask + 1) * sizeof(slot), std::memory_order_relaxed);
    tables_.push_back(std::move(first));
}

placement_cache::~placement_cache() = default;

std::size_t placement_cache::hash(std::uint64_t key) noexcept {
    // A 64-bit mix (splitmix64's finaliser): sequential account ids spread over the table.
    key ^= key >> 30;
    key *= 0xbf58476d1ce4e5b9ull;
    key ^= key >> 27;
    key *= 0x94d049bb133111ebull;
    key ^= key >> 31;
    return static_cast<std::size_t>(key);
}

placement_cache::slot* placement_cache::find_slot(const table& t, std::uint64_t key) const noexcept {
    for (std::size_t i = hash(key) & t.mask;; i = (i + 1) & t.mask) {
        slot& s = t.slots[i];
        const std::uint64_t k = s.key.load(std::memory_order_acquire);
        if (k == key || k == 0) return &s;
    }
}

std::optional<placement_cache::entry> placement_cache::find(std::uint64_t account_id) const noexcept {
    const table* t = table_.load(std::memory_order_acquire);
    const slot* s = find_slot(*t, account_id + 1);
    if (s->key.load(std::memory_order_acquire) == 0) return std::nullopt;
    const std::uint64_t v = s->value.load(std::memory_order_acquire);
    const std::string* site = site_names_[(v >> state_bits) & (max_sites - 1)].load(
        std::memory_order_acquire);
    return entry{static_cast<placement_lookup>(v & 3), site ? std::string_view(*site) : "",
                 v >> version_shift};
}

cache_health placement_cache::health(std::chrono::steady_clock::time_point now,
                                     std::chrono::milliseconds refresh_bound,
                                     std::chrono::milliseconds stale_serve) const noexcept {
    const std::int64_t last = last_refresh_ns_.load(std::memory_order_acquire);
    if (last == 0) return cache_health::expired;
    const auto age = now - std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(last));
    if (age <= refresh_bound) return cache_health::fresh;
    return age <= stale_serve ? cache_health::stale : cache_health::expired;
}

std::int64_t placement_cache::age_ms(std::chrono::steady_clock::time_point now) const noexcept {
    const std::int64_t last = last_refresh_ns_.load(std::memory_order_acquire);
    if (last == 0) return -1;
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               now - std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(last)))
        .count();
}

std::uint64_t placement_cache::site_index(std::string_view site) {
    for (std::size_t i = 0; i < site_storage_.size(); ++i)
        if (*site_storage_[i] == site) return i;
    if (site_storage_.size() == max_sites) return max_sites - 1;  // config allows far fewer
    site_storage_.push_back(std::make_unique<std::string>(site));
    site_names_[site_storage_.size() - 1].store(site_storage_.back().get(),
                                                std::memory_order_release);
    return site_storage_.size() - 1;
}

void placement_cache::apply(std::uint64_t account_id, placement_lookup state,
                            std::string_view site, std::uint64_t version) {
    const std::uint64_t value = pack(state, site_index(site), version);
    table* t = table_.load(std::memory_order_relaxed);
    slot* s = find_slot(*t, account_id + 1);
    if (s->key.load(std::memory_order_relaxed) != 0) {
        if ((s->value.load(std::memory_order_relaxed) >> version_shift) <= version)
            s->value.store(value, std::memory_order_release);
        return;
    }
    s->value.store(value, std::memory_order_relaxed);
    s->key.store(account_id + 1, std::memory_order_release);
    if (size_.fetch_add(1, std::memory_order_relaxed) + 1 > (t->mask + 1) / 2) grow();
}

void placement_cache::grow() {
    const table& old = *table_.load(std::memory_order_relaxed);
    auto bigger = std::make_unique<table>((old.mask + 1) * 2);
    for (std::size_t i = 0; i <= old.mask; ++i) {
        const std::uint64_t k = old.slots[i].key.load(std::memory_order_relaxed);
        if (k == 0) continue;
        slot* s = find_slot(*bigger, k);
        s->value.store(old.slots[i].value.load(std::memory_order_relaxed), std::memory_order_relaxed);
        s->key.store(k, std::memory_order_relaxed);
    }
    table_.store(bigger.get(), std::memory_order_release);
    bytes_.fetch_add((bigger->mask + 1) * sizeof(slot), std::memory_order_relaxed);
    tables_.push_back(std::move(bigger));
}

}  // namespace gangway
