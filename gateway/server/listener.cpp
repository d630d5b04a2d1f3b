#include "gateway/server/listener.hpp"

#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/log/loggers.hpp"

namespace gangway {
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

tcp::endpoint endpoint_of(const listen_address& a) {
    auto host = a.host == "localhost" ? std::string("127.0.0.1") : a.host;
    boost::system::error_code ec;
    auto address = net::ip::make_address(host, ec);
    if (ec) throw std::runtime_error("cannot listen on " + a.host + ": not a numeric address");
    return {address, a.port};
}

}  // namespace

listener::listener(net::io_context& ioc, const listen_address& address, unsigned threads,
                   accept_handler on_accept)
    : ioc_(ioc), acceptor_(ioc), threads_(threads), on_accept_(std::move(on_accept)) {
    auto ep = endpoint_of(address);
    boost::system::error_code ec;
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
        throw std::runtime_error("cannot listen on " + address.host + ":" +
                                 std::to_string(address.port) + ": " + ec.message());
}

void listener::start() { net::co_spawn(ioc_, accept_loop(), net::detached); }

void listener::stop() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
}

net::awaitable<void> listener::accept_loop() {
    auto log = component_logger("server");
    for (;;) {
        boost::system::error_code ec;
        net::any_io_executor executor =
            threads_ > 1 ? net::any_io_executor(net::make_strand(ioc_)) : ioc_.get_executor();
        auto socket = co_await acceptor_.async_accept(executor,
                                                      net::redirect_error(net::use_awaitable, ec));
        if (ec == net::error::operation_aborted || !acceptor_.is_open()) co_return;
        if (ec) {
            // Out of file descriptors and the like: back off briefly instead of spinning.
            log->warn("accept failed: {}", ec.message());
            net::steady_timer backoff{ioc_, std::chrono::milliseconds(50)};
            co_await backoff.async_wait(net::redirect_error(net::use_awaitable, ec));
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);
        net::co_spawn(executor, on_accept_(std::move(socket)), net::detached);
    }
}

}  // namespace gangway
