#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "common/config/config.hpp"
#include "gateway/placement/placement_cache.hpp"
#include "gateway/placement/revoked_sessions.hpp"

namespace gangway {

class db_pool;

// Keeps one gateway's placement cache and revoked-session set in step with its site's
// database, and reports this instance to the fence. Runs on its own thread (never an I/O
// thread), using the database pool's blocking calls:
//   every refresh_interval: placement changes since the last version seen (paged), then
//     revoked sessions since the last id seen;
//   every heartbeat_interval: instance id, the placement version it has applied, and its
//     in-flight requests for each locked account (gangway_instance, gangway_instance_inflight).
// A database error leaves the cache as it is (its age grows: see placement_cache::health)
// and is retried on the next tick; recovery needs no restart.
class placement_refresher {
public:
    struct settings {
        std::string instance_id;
        std::string site;
        placement_config timing;
    };
    // Called on the refresher's thread for each account whose state changed after the first
    // load (used to close that account's idle keep-alive and WebSocket connections).
    using change_listener = std::function<void(std::uint64_t account_id)>;

    placement_refresher(db_pool& db, placement_cache& cache, revoked_sessions& revoked,
                        inflight_counters& inflight, settings s, change_listener on_change = {});
    ~placement_refresher();  // stops, and removes this instance's heartbeat row
    placement_refresher(const placement_refresher&) = delete;
    placement_refresher& operator=(const placement_refresher&) = delete;

    void start();
    void stop();

    std::uint64_t version_seen() const noexcept { return version_seen_.load(); }
    bool database_reachable() const noexcept { return reachable_.load(); }

private:
    void run();
    void purge_expired();
    bool refresh_placement();
    bool refresh_revoked();
    bool heartbeat();

    db_pool& db_;
    placement_cache& cache_;
    revoked_sessions& revoked_;
    inflight_counters& inflight_;
    settings settings_;
    change_listener on_change_;

    std::atomic<std::uint64_t> version_seen_{0};
    std::atomic<bool> reachable_{false};
    bool loaded_ = false;
    std::set<std::uint64_t> locked_;  // accounts locked here, for in-flight reports
    std::uint64_t revoked_after_id_ = 0;
    revoked_sessions::id_set revoked_ids_;
    std::chrono::steady_clock::time_point next_heartbeat_{};

    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace gangway
