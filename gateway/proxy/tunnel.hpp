#pragma once
// Raw two-way byte tunnel for an upgraded (WebSocket) connection. Included only by the .cpp
// files that instantiate it.

#include <utility>

#include <array>
#include <chrono>
#include <exception>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/stream_traits.hpp>

#include "gateway/proxy/io_watchdog.hpp"

namespace gangway {

// Copies bytes from `from` to `to` until either side fails, closes, or stays silent for
// `idle`. Each direction has its own watchdog: both wait at the same time.
template <class From, class To>
boost::asio::awaitable<void> pump_bytes(From& from, To& to, std::chrono::milliseconds idle) {
    io_watchdog watch{co_await boost::asio::this_coro::executor};
    std::array<char, 16 * 1024> chunk;
    boost::system::error_code ec;
    auto use_ec = boost::asio::redirect_error(boost::asio::use_awaitable, ec);
    for (;;) {
        watch.arm(boost::beast::get_lowest_layer(from), idle);
        auto n = co_await from.async_read_some(boost::asio::buffer(chunk), use_ec);
        if (ec) co_return;
        watch.arm(boost::beast::get_lowest_layer(to), idle);
        co_await boost::asio::async_write(to, boost::asio::buffer(chunk.data(), n), use_ec);
        if (ec) co_return;
    }
}

// Runs both directions until one ends, then closes both sockets and waits for the other
// direction to finish, so neither outlives the streams it uses.
template <class A, class B>
boost::asio::awaitable<void> run_tunnel(A& a, B& b, std::chrono::milliseconds idle) {
    auto executor = co_await boost::asio::this_coro::executor;
    boost::asio::steady_timer other_done{executor, std::chrono::steady_clock::time_point::max()};
    bool finished = false;
    auto close_both = [&] {
        boost::system::error_code ignored;
        boost::beast::get_lowest_layer(a).close(ignored);
        boost::beast::get_lowest_layer(b).close(ignored);
    };
    boost::asio::co_spawn(executor, pump_bytes(a, b, idle), [&](std::exception_ptr) {
        finished = true;
        close_both();
        other_done.cancel();
    });
    co_await pump_bytes(b, a, idle);
    close_both();
    if (!finished) {
        boost::system::error_code ec;
        co_await other_done.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    }
}

}  // namespace gangway
