#include "common/net/ready_read.hpp"

#if GANGWAY_READY_READ_OP

#include <boost/asio/detail/reactor.hpp>
#include <boost/asio/detail/reactive_socket_service_base.hpp>
#include <boost/asio/detail/socket_ops.hpp>

namespace gangway::ready_read_detail {
namespace ad = boost::asio::detail;
using tcp = boost::asio::ip::tcp;

namespace {

// The socket's implementation and its service's start_op are protected members. A pointer to
// a protected member, formed in a class derived from its owner, may be applied to any object
// of the owner's type: that is the access these classes exist for (never instantiated).
struct socket_access : tcp::socket {
    static constexpr auto impl = &socket_access::impl_;
};
struct service_access : ad::reactive_socket_service_base {
    static constexpr auto start = &service_access::start_op;
};

}  // namespace

recv_op_base::recv_op_base(boost::asio::mutable_buffer buffer, func_type on_complete)
    : reactor_op(boost::system::error_code{}, &recv_op_base::do_perform, on_complete),
      buffer_(buffer) {}

ad::reactor_op::status recv_op_base::do_perform(reactor_op* base) {
    auto* o = static_cast<recv_op_base*>(base);
    if (!ad::socket_ops::non_blocking_recv1(o->socket_, o->buffer_.data(), o->buffer_.size(), 0,
                                            true, o->ec_, o->bytes_transferred_))
        return not_done;  // would block: wait for epoll
    if (o->ec_ && o->ec_ != boost::asio::error::eof) return done;
    // Fewer bytes than asked for (an end of stream is none): the receive queue is empty now.
    return o->bytes_transferred_ < o->buffer_.size() ? done_and_exhausted : done;
}

void start(tcp::socket& socket, recv_op_base* op, bool is_continuation) {
    auto& object = socket.*socket_access::impl;
    ad::reactive_socket_service_base& service = object.get_service();
    auto& impl = object.get_implementation();
    op->socket_ = impl.socket_;
    // As reactive_socket_service_base::async_receive: a read into no room completes at once
    // (the `noop` argument), and start_op makes the descriptor non-blocking before the reactor
    // sees it, speculative tries allowed.
    (service.*service_access::start)(impl, ad::reactor::read_op, op, is_continuation, true,
                                         op->buffer_.size() == 0);
}

}  // namespace gangway::ready_read_detail

#endif
