#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "common/config/config.hpp"
#include "gateway/server/metrics.hpp"

namespace gangway {

// The upstream servers of one site: round-robin choice that skips servers marked down
// (passive health: max_fails connect failures mark a server down for fail_timeout), and a
// bounded pool of idle keep-alive connections per server. Thread-safe. A connection is given
// back only after a clean, complete exchange; anything else is closed by its holder.
class upstream_pool {
public:
    using socket = boost::asio::ip::tcp::socket;
    using clock = std::chrono::steady_clock;

    // Resolves every server once (numeric addresses or names from /etc/hosts); throws
    // std::runtime_error naming the server that cannot be resolved.
    upstream_pool(boost::asio::any_io_executor executor, const upstream_config& cfg,
                  gateway_metrics& metrics);

    std::size_t size() const noexcept { return servers_.size(); }
    const std::string& name(std::size_t server) const { return servers_[server].name; }
    const boost::asio::ip::tcp::endpoint& endpoint(std::size_t server) const {
        return servers_[server].endpoint;
    }
    boost::asio::any_io_executor executor() const { return executor_; }

    // The next server to try, skipping servers that are down; when all are down, the one whose
    // down time ends first (a request is never refused without trying).
    std::size_t pick();

    // Moves the most recently used idle connection to `server`, if any, into `into` (once:
    // a socket move is not free) and says whether there was one. With `probe`, connections
    // the peer has closed are skipped (one non-blocking peek each); callers that can retry
    // on a fresh connection skip that system call.
    bool take_idle(std::size_t server, bool probe, std::optional<socket>& into);
    void give_back(std::size_t server, socket&& s);

    void report_connect_failure(std::size_t server);
    void report_connect_success(std::size_t server);

    // Closes every idle connection (on reload and shutdown).
    void close_idle();

private:
    struct server_state {
        std::string name;
        boost::asio::ip::tcp::endpoint endpoint;
        unsigned fails = 0;
        clock::time_point down_until{};
        std::deque<socket> idle;
        gateway_metrics::upstream_series series;
    };

    void publish(const server_state& s);

    boost::asio::any_io_executor executor_;
    upstream_config cfg_;
    std::vector<server_state> servers_;
    std::mutex mutex_;
    std::size_t next_ = 0;
};

}  // namespace gangway
