#include "gateway/proxy/upstream_pool.hpp"

#include <cerrno>
#include <stdexcept>

#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>

#include "gateway/server/metrics.hpp"

namespace gangway {
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

tcp::endpoint resolve(net::any_io_executor executor, const upstream_server& server) {
    boost::system::error_code ec;
    auto address = net::ip::make_address(server.host, ec);
    if (!ec) return {address, server.port};
    tcp::resolver resolver{executor};
    auto results = resolver.resolve(server.host, std::to_string(server.port), ec);
    if (ec || results.empty())
        throw std::runtime_error("cannot resolve upstream " + server.host + ": " + ec.message());
    return *results.begin();
}

// True when the peer has closed (or reset) the idle connection, or sent something it should
// not have: one non-blocking peek that does not say "would block".
bool closed_by_peer(tcp::socket& s) {
    char probe;
    auto n = ::recv(s.native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
    return !(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
}

}  // namespace

upstream_pool::upstream_pool(net::any_io_executor executor, const upstream_config& cfg,
                             gateway_metrics& metrics)
    : executor_(std::move(executor)), cfg_(cfg), servers_(cfg.servers.size()) {
    // Filled in place: server_state holds sockets, which only move.
    for (std::size_t i = 0; i < servers_.size(); ++i) {
        const auto& s = cfg.servers[i];
        auto& state = servers_[i];
        state.name = s.host + ":" + std::to_string(s.port);
        state.endpoint = resolve(executor_, s);
        state.series = metrics.upstream(state.name);
    }
    for (const auto& s : servers_) publish(s);
}

std::size_t upstream_pool::pick() {
    std::lock_guard lock(mutex_);
    std::optional<clock::time_point> now;  // read only when a server was marked down
    for (std::size_t tried = 0; tried < servers_.size(); ++tried) {
        auto i = next_++ % servers_.size();
        if (servers_[i].down_until == clock::time_point{}) return i;
        if (!now) now = clock::now();
        if (servers_[i].down_until <= *now) return i;
    }
    std::size_t soonest = 0;
    for (std::size_t i = 1; i < servers_.size(); ++i)
        if (servers_[i].down_until < servers_[soonest].down_until) soonest = i;
    return soonest;
}

bool upstream_pool::take_idle(std::size_t server, bool probe, std::optional<socket>& into) {
    std::lock_guard lock(mutex_);
    auto& idle = servers_[server].idle;
    bool found = false;
    while (!idle.empty() && !found) {
        if (!probe || !closed_by_peer(idle.back())) {
            into.emplace(std::move(idle.back()));
            found = true;
        } else {
            boost::system::error_code ignored;
            idle.back().close(ignored);
        }
        idle.pop_back();
    }
    publish(servers_[server]);
    return found;
}

void upstream_pool::give_back(std::size_t server, socket&& s) {
    std::lock_guard lock(mutex_);
    auto& idle = servers_[server].idle;
    if (idle.size() >= cfg_.max_idle_per_server) {
        boost::system::error_code ignored;
        idle.front().close(ignored);  // keep the most recently used ones: least likely stale
        idle.pop_front();
    }
    if (cfg_.max_idle_per_server > 0) idle.push_back(std::move(s));
    publish(servers_[server]);
}

void upstream_pool::report_connect_failure(std::size_t server) {
    std::lock_guard lock(mutex_);
    auto& s = servers_[server];
    if (++s.fails >= cfg_.max_fails) {
        s.down_until = clock::now() + cfg_.fail_timeout;
        s.fails = 0;
    }
    publish(s);
    s.series.connects_failed->Increment();
}

void upstream_pool::report_connect_success(std::size_t server) {
    std::lock_guard lock(mutex_);
    auto& s = servers_[server];
    s.fails = 0;
    s.down_until = {};
    publish(s);
    s.series.connects_ok->Increment();
}

void upstream_pool::close_idle() {
    std::lock_guard lock(mutex_);
    for (auto& s : servers_) {
        for (auto& sock : s.idle) {
            boost::system::error_code ignored;
            sock.close(ignored);
        }
        s.idle.clear();
        publish(s);
    }
}

void upstream_pool::publish(const server_state& s) {
    // No clock read for a server never marked down (every take and give publishes).
    const bool healthy = s.down_until == clock::time_point{} || s.down_until <= clock::now();
    s.series.healthy->Set(healthy ? 1 : 0);
    s.series.idle->Set(static_cast<double>(s.idle.size()));
}

}  // namespace gangway
