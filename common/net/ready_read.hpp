#pragma once
// async_read_ready: a TCP socket read that does not try the socket before it can hold data.
//
// Why: Asio 1.18's reactor tries every socket read at once, with a non-blocking recv, before
// it waits for epoll (a "speculative" read); only a read that saw the end of stream turns that
// off until the next readiness event. A proxy reads right after it writes: the upstream's
// answer right after the request, the client's next request right after the answer. Those
// tries find nothing: about 1.4 empty recvfrom per proxied 1 KiB request, 5% of gangway's CPU
// in a perf profile (nginx: none; it reads when epoll says readable, and after a read that
// returned less than it asked for it takes the socket for drained). Waiting with
// socket::async_wait instead costs an epoll_ctl per wait (Asio re-arms the descriptor there,
// against a lost edge), as much as the empty read.
//
// How: the operation is Asio's reactive_socket_recv_op, except that a read that returns fewer
// bytes than it asked for tells the reactor "done and exhausted", as Asio's own read does for
// the end of stream. The reactor then skips the speculative try on the socket's next read
// (and queues it without a system call: epoll already watches the socket, edge-triggered)
// until epoll reports the socket readable again. No wake-up can be lost: a TCP recv that
// returns short has emptied the receive queue, and every arrival of data after that is a
// new epoll event, which turns the speculative try back on whether or not a read is waiting
// at that moment. Other reads of the same socket (Asio's own, Beast's) follow the same flag
// and stay correct.
//
// This uses Asio's detail namespace (the reactor, its operation type and the socket's
// implementation), checked against Boost 1.74 (Asio 1.18.0, Debian bookworm's). With any
// other Boost version async_read_ready is the socket's async_read_some.

#include <cstddef>
#include <type_traits>
#include <utility>

#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <boost/version.hpp>

#if BOOST_VERSION == 107400 && !defined(BOOST_ASIO_HAS_IOCP) && \
    !defined(BOOST_ASIO_WINDOWS_RUNTIME) && defined(BOOST_ASIO_HAS_EPOLL) && \
    !defined(BOOST_ASIO_HAS_IO_URING)
#define GANGWAY_READY_READ_OP 1
#include <boost/asio/detail/bind_handler.hpp>
#include <boost/asio/detail/fenced_block.hpp>
#include <boost/asio/detail/handler_alloc_helpers.hpp>
#include <boost/asio/detail/handler_cont_helpers.hpp>
#include <boost/asio/detail/handler_work.hpp>
#include <boost/asio/detail/memory.hpp>
#include <boost/asio/detail/reactor_op.hpp>
#include <boost/asio/detail/socket_types.hpp>
#else
#define GANGWAY_READY_READ_OP 0
#endif

namespace gangway {

#if GANGWAY_READY_READ_OP
namespace ready_read_detail {

// The part of the operation that does not depend on the handler.
class recv_op_base : public boost::asio::detail::reactor_op {
public:
    boost::asio::detail::socket_type socket_ = boost::asio::detail::invalid_socket;
    boost::asio::mutable_buffer buffer_;

protected:
    recv_op_base(boost::asio::mutable_buffer buffer, func_type on_complete);

private:
    static status do_perform(reactor_op* base);
};

// Starts `op` on the socket's reactor, as Asio's async_receive does (ready_read.cpp).
void start(boost::asio::ip::tcp::socket& socket, recv_op_base* op, bool is_continuation);

template <class Handler, class IoExecutor>
class recv_op : public recv_op_base {
public:
    BOOST_ASIO_DEFINE_HANDLER_PTR(recv_op);

    recv_op(boost::asio::mutable_buffer buffer, Handler& handler, const IoExecutor& io_ex)
        : recv_op_base(buffer, &recv_op::do_complete),
          handler_(std::move(handler)),
          work_(handler_, io_ex) {}

    // As reactive_socket_recv_op::do_complete.
    static void do_complete(void* owner, boost::asio::detail::operation* base,
                            const boost::system::error_code&, std::size_t) {
        namespace ad = boost::asio::detail;
        auto* o = static_cast<recv_op*>(base);
        ptr p = {ad::addressof(o->handler_), o, o};
        ad::handler_work<Handler, IoExecutor> w(std::move(o->work_));
        // The handler is moved out before the operation's memory is freed: it may own it.
        ad::binder2<Handler, boost::system::error_code, std::size_t> handler(
            o->handler_, o->ec_, o->bytes_transferred_);
        p.h = ad::addressof(handler.handler_);
        p.reset();
        if (owner) {
            ad::fenced_block b(ad::fenced_block::half);
            w.complete(handler, handler.handler_);
        }
    }

private:
    Handler handler_;
    boost::asio::detail::handler_work<Handler, IoExecutor> work_;
};

struct initiate_read {
    template <class Handler>
    void operator()(Handler&& handler, boost::asio::ip::tcp::socket* socket,
                    boost::asio::mutable_buffer buffer) const {
        using handler_type = std::decay_t<Handler>;
        using executor_type = boost::asio::ip::tcp::socket::executor_type;
        using op = recv_op<handler_type, executor_type>;
        handler_type h(std::forward<Handler>(handler));
        const bool is_continuation = boost_asio_handler_cont_helpers::is_continuation(h);
        typename op::ptr p = {boost::asio::detail::addressof(h), op::ptr::allocate(h), nullptr};
        p.p = new (p.v) op(buffer, h, socket->get_executor());
        start(*socket, p.p, is_continuation);
        p.v = p.p = nullptr;
    }
};

}  // namespace ready_read_detail
#endif

// Any other stream (tls_stream reads its socket through the overload below): its own
// async_read_some. Callers that hold either kind of stream call async_read_ready alike.
template <class Stream, class Token>
auto async_read_ready(Stream& stream, boost::asio::mutable_buffer buffer, Token&& token) {
    return stream.async_read_some(buffer, std::forward<Token>(token));
}

// Reads into `buffer` like socket.async_read_some(buffer, token) (same completion: error code
// and bytes read, an end of stream as error::eof). See above for what it does differently.
template <class Token>
auto async_read_ready(boost::asio::ip::tcp::socket& socket, boost::asio::mutable_buffer buffer,
                      Token&& token) {
#if GANGWAY_READY_READ_OP
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        ready_read_detail::initiate_read{}, token, &socket, buffer);
#else
    return socket.async_read_some(buffer, std::forward<Token>(token));
#endif
}

}  // namespace gangway
