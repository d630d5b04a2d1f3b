#include "gateway/placement/placement_refresher.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "common/auth/handoff_token.hpp"
#include "common/db/db_pool.hpp"
#include "common/db/placement_store.hpp"
#include "common/log/loggers.hpp"

namespace gangway {
namespace {

constexpr std::size_t page_rows = 10'000;
constexpr auto revoked_reload_every = std::chrono::minutes(10);

const std::shared_ptr<spdlog::logger>& placement_log() {
    static const auto logger = component_logger("placement");
    return logger;
}

placement_lookup lookup_of(placement_state s) {
    switch (s) {
        case placement_state::active: return placement_lookup::active;
        case placement_state::locked: return placement_lookup::locked;
        case placement_state::moved: return placement_lookup::moved;
    }
    return placement_lookup::unknown;
}

}  // namespace

placement_refresher::placement_refresher(db_pool& db, placement_cache& cache,
                                         revoked_sessions& revoked, inflight_counters& inflight,
                                         settings s, change_listener on_change)
    : db_(db),
      cache_(cache),
      revoked_(revoked),
      inflight_(inflight),
      settings_(std::move(s)),
      on_change_(std::move(on_change)) {}

placement_refresher::~placement_refresher() { stop(); }

void placement_refresher::start() {
    thread_ = std::thread([this] { run(); });
}

void placement_refresher::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || !thread_.joinable()) return;
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
    auto removed = db_.run_blocking([this](sql::Connection& c) {
        remove_instance(c, settings_.instance_id);
        return true;
    });
    if (!removed) placement_log()->warn("could not remove instance heartbeat: {}", removed.message);
}

void placement_refresher::run() {
    auto last_revoked_reload = std::chrono::steady_clock::now();
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        lock.unlock();
        const auto now = std::chrono::steady_clock::now();
        if (now - last_revoked_reload > revoked_reload_every) {
            purge_expired();
            revoked_after_id_ = 0;  // re-read from scratch: drops sessions purged as expired
            revoked_ids_.clear();
            last_revoked_reload = now;
        }
        const bool ok = refresh_placement() && refresh_revoked();
        if (ok) cache_.mark_refreshed(std::chrono::steady_clock::now());
        if (ok != reachable_.exchange(ok)) {
            if (ok) placement_log()->info("database reachable; placement version {}", version_seen_.load());
            else placement_log()->error("database unreachable; serving known active accounts from cache");
        }
        if (ok && std::chrono::steady_clock::now() >= next_heartbeat_) {
            heartbeat();
            next_heartbeat_ = std::chrono::steady_clock::now() + settings_.timing.heartbeat_interval;
        }
        lock.lock();
        wake_.wait_for(lock, std::min(settings_.timing.refresh_interval,
                                      settings_.timing.heartbeat_interval),
                       [this] { return stopping_; });
    }
}

// Rows whose expiry has passed are of no use to anyone: revoked sessions that could no longer
// open anyway, handoff tokens that can no longer be redeemed. Every instance purges; the
// deletes are idempotent and touch only expired rows.
void placement_refresher::purge_expired() {
    auto purged = db_.run_blocking([](sql::Connection& c) {
        return std::pair{purge_expired_revocations(c), purge_expired_handoffs(c)};
    });
    if (!purged) {
        placement_log()->warn("purging expired revocations and handoff tokens failed: {}", purged.message);
        return;
    }
    placement_log()->debug("purged {} expired revocations, {} expired handoff tokens",
                           purged.value->first, purged.value->second);
}

// Reads the sequence first: every change up to that version has committed (writers serialise
// on the sequence row), so once the pages below are applied the cache holds at least it.
bool placement_refresher::refresh_placement() {
    auto current = db_.run_blocking([](sql::Connection& c) { return current_placement_version(c); });
    if (!current) return false;
    std::uint64_t seen = version_seen_.load();
    for (;;) {
        auto page = db_.run_blocking([seen](sql::Connection& c) {
            return placement_changes_since(c, seen, page_rows);
        });
        if (!page) return false;
        for (const placement_row& row : *page.value) {
            cache_.apply(row.account_id, lookup_of(row.state), row.site, row.version);
            if (row.state == placement_state::locked) locked_.insert(row.account_id);
            else locked_.erase(row.account_id);
            if (loaded_ && on_change_) on_change_(row.account_id);
            seen = std::max(seen, row.version);
        }
        if (page.value->size() < page_rows) break;
    }
    version_seen_.store(std::max(seen, *current.value));
    loaded_ = true;
    return true;
}

bool placement_refresher::refresh_revoked() {
    bool changed = revoked_after_id_ == 0;
    for (;;) {
        auto page = db_.run_blocking([after = revoked_after_id_](sql::Connection& c) {
            return revoked_sessions_since(c, after, page_rows);
        });
        if (!page) return false;
        for (auto& [id, session_id] : *page.value) {
            revoked_ids_.insert(std::move(session_id));
            revoked_after_id_ = std::max(revoked_after_id_, id);
            changed = true;
        }
        if (page.value->size() < page_rows) break;
    }
    if (changed) revoked_.publish(revoked_ids_);
    return true;
}

bool placement_refresher::heartbeat() {
    // Pairs with the fence in account_router::route(): a request either saw the lock in the
    // cache, or its in-flight count is visible here.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    std::vector<std::pair<std::uint64_t, int>> inflight;
    for (std::uint64_t account : locked_) {
        if (const int n = inflight_.count(account); n > 0) inflight.emplace_back(account, n);
    }
    auto written = db_.run_blocking([&](sql::Connection& c) {
        write_heartbeat(c, settings_.instance_id, settings_.site, version_seen_.load(), inflight);
        return true;
    });
    if (!written) placement_log()->warn("heartbeat not written: {}", written.message);
    return static_cast<bool>(written);
}

}  // namespace gangway
