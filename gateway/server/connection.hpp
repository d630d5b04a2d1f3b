#pragma once

#include <utility>

#include <memory>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

namespace gangway {

class runtime;

// Serves one accepted client connection: reads each request, checks it strictly, proxies it
// upstream and streams the answer back, in order, until the client or the gateway closes.
// The coroutine owns the socket; it returns when the connection is closed.
boost::asio::awaitable<void> serve_plain_connection(runtime& rt,
                                                    boost::asio::ip::tcp::socket socket);
boost::asio::awaitable<void> serve_tls_connection(runtime& rt, boost::asio::ip::tcp::socket socket,
                                                  std::shared_ptr<boost::asio::ssl::context> tls);

}  // namespace gangway
