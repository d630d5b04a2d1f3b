#pragma once

#include <utility>

#include <cstdint>
#include <functional>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "common/config/config.hpp"

namespace gangway {

// A bound, listening TCP socket that hands every accepted connection to `on_accept`, each on
// its own executor (a strand when the io_context runs on several threads).
class listener {
public:
    using accept_handler = std::function<boost::asio::awaitable<void>(boost::asio::ip::tcp::socket)>;

    // Binds and listens at once (throws std::runtime_error with the address on failure), so
    // the port is known before start().
    listener(boost::asio::io_context& ioc, const listen_address& address, unsigned threads,
             accept_handler on_accept);

    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    void start();
    // Stops accepting; the port refuses new connections from now on.
    void stop();

private:
    boost::asio::awaitable<void> accept_loop();

    boost::asio::io_context& ioc_;
    boost::asio::ip::tcp::acceptor acceptor_;
    unsigned threads_;
    accept_handler on_accept_;
};

}  // namespace gangway
