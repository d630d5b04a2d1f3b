#pragma once

#include <memory>

#include <boost/asio/thread_pool.hpp>
#include <string>
#include <vector>

#include "common/config/config.hpp"
#include "common/time/clock.hpp"
#include "gateway/filters/account_router.hpp"
#include "gateway/placement/account_connections.hpp"
#include "gateway/placement/placement_cache.hpp"
#include "gateway/placement/revoked_sessions.hpp"

namespace gangway {

class db_pool;
class envelope_opener;
class gateway_metrics;
class login_endpoints;
class login_throttle;
class password_verifier;
class peer_client;
class placement_refresher;
class upstream_pool;

// What a gateway with a [database] keeps for the life of the process, across reloads: the
// database pool, the placement cache and its refresher, revoked sessions, in-flight counts.
// Routers (which hold a config and its keys) are built per config generation on top of it.
class account_services {
public:
    // Connects nothing yet; start() loads the cache and begins heartbeats. Throws
    // std::runtime_error at start-up for unusable settings.
    account_services(const config& cfg, gateway_metrics& metrics);
    ~account_services();

    void start();
    void stop();  // stops refreshing and removes this instance's heartbeat

    // Builds the router for one config generation: reads its key files. Throws
    // std::runtime_error naming the file (never key material) when they do not load.
    std::shared_ptr<const account_router> make_router(config_ptr cfg);
    // The login flow's endpoints for one config generation, on this generation's router (for
    // identity headers) and upstreams (for password-reset requests).
    std::shared_ptr<const login_endpoints> make_login(config_ptr cfg,
                                                      std::shared_ptr<upstream_pool> upstreams,
                                                      std::shared_ptr<const account_router> router);

    db_pool& db() noexcept { return *db_; }
    // Threads for blocking operator work that may wait long (the fence), so that it never
    // occupies an I/O thread or a database connection's worker.
    boost::asio::thread_pool& ops_pool() noexcept { return ops_; }
    const placement_cache& cache() const noexcept { return cache_; }
    account_connections& connections() noexcept { return connections_; }
    bool database_reachable() const noexcept;
    std::uint64_t version_seen() const noexcept;

private:
    system_clock_source clock_;
    std::unique_ptr<db_pool> db_;
    placement_cache cache_;
    revoked_sessions revoked_;
    inflight_counters inflight_;
    account_connections connections_;
    std::unique_ptr<placement_refresher> refresher_;
    gateway_metrics& metrics_;
    // The login flow's process-wide state: one hashing pool, one throttle, one replay cache
    // (with the peer keys the process started with), one peer client.
    std::unique_ptr<password_verifier> verifier_;
    std::unique_ptr<login_throttle> throttle_;
    std::unique_ptr<envelope_opener> opener_;
    std::unique_ptr<peer_client> peers_;
    boost::asio::thread_pool ops_{2};
};

}  // namespace gangway
