#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>

#include "common/config/config.hpp"
#include "common/config/config_loader.hpp"
#include "gateway/filters/account_router.hpp"
#include "gateway/proxy/upstream_pool.hpp"
#include "gateway/server/metrics.hpp"

namespace gangway {

class account_services;
class login_endpoints;

// What every connection of one gateway process shares: the current config, TLS context and
// upstream pool (each swapped atomically as one generation on reload), metrics, and the
// drain state. A request takes one generation() snapshot at its start and keeps it to the
// end, so a reload never changes the rules under a request in flight.
class runtime {
public:
    struct generation {
        config_ptr cfg;
        std::shared_ptr<boost::asio::ssl::context> tls;  // null without a TLS listener
        std::shared_ptr<upstream_pool> upstreams;
        std::shared_ptr<const account_router> router;  // null without a [database]
        std::shared_ptr<const login_endpoints> login;  // null without a [database]
    };
    using generation_ptr = std::shared_ptr<const generation>;

    struct reload_outcome {
        bool applied = false;
        std::vector<std::string> errors;  // key-path messages; no secret values
    };

    // Builds the first generation (and, with a [database], the account services: placement
    // cache, refresher, database pool); throws std::runtime_error (start-up only).
    runtime(boost::asio::any_io_executor executor, config_ptr cfg);
    ~runtime();

    // Null without a [database] in the config the process started with.
    account_services* accounts() noexcept { return accounts_.get(); }

    generation_ptr current() const { return generation_.load(std::memory_order_acquire); }
    gateway_metrics& metrics() noexcept { return metrics_; }

    // Re-reads the config file and certificates. A config that fails validation, a listener
    // address change or a certificate that does not load is refused: the old generation keeps
    // serving and the refusal is counted.
    reload_outcome reload();

    void start_drain() noexcept { draining_.store(true, std::memory_order_release); }
    bool draining() const noexcept { return draining_.load(std::memory_order_acquire); }

    void request_started() noexcept;
    void request_finished() noexcept;
    std::int64_t requests_in_flight() const noexcept {
        return in_flight_.load(std::memory_order_acquire);
    }

    std::uint64_t next_connection_id() noexcept { return connections_.fetch_add(1) + 1; }

private:
    generation_ptr build(config_ptr cfg);

    boost::asio::any_io_executor executor_;
    gateway_metrics metrics_;
    std::unique_ptr<account_services> accounts_;
    std::atomic<generation_ptr> generation_;
    std::atomic<bool> draining_{false};
    std::atomic<std::int64_t> in_flight_{0};
    std::atomic<std::uint64_t> connections_{0};
};

}  // namespace gangway
