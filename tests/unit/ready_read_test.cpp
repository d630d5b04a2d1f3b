#include "common/net/ready_read.hpp"

#include <chrono>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <gtest/gtest.h>

// async_read_ready over real loopback sockets: the reads it makes must see every byte, in
// order, whatever the reactor saw in between: a read that waits after a short one, data that
// arrived (and was reported by epoll) while no read waited, a read that filled its buffer,
// the end of stream, cancellation, and Asio's own reads on the same socket.

namespace gangway {
namespace {
namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

constexpr auto deadline = std::chrono::seconds(5);

class ReadyRead : public ::testing::Test {
protected:
    void SetUp() override {
        tcp::acceptor acceptor(ioc, {net::ip::make_address("127.0.0.1"), 0});
        peer.connect(acceptor.local_endpoint());
        acceptor.accept(socket);
        peer.set_option(tcp::no_delay(true));
    }

    // Sends from the peer, blocking: the bytes are in `socket`'s receive queue when it returns
    // (loopback delivers within the send).
    void send(const std::string& bytes) { net::write(peer, net::buffer(bytes)); }

    struct result {
        bool done = false;
        error_code ec;
        std::size_t n = 0;
    };

    // Starts one async_read_ready into `into`; the result lands in `r` when it completes.
    void start_read(char* into, std::size_t size, result& r) {
        async_read_ready(socket, net::buffer(into, size), [&r](error_code ec, std::size_t n) {
            r = {true, ec, n};
        });
    }

    // Runs the context until `r` is complete (or the deadline passes).
    void run_until(const result& r) {
        const auto end = std::chrono::steady_clock::now() + deadline;
        ioc.restart();
        while (!r.done && std::chrono::steady_clock::now() < end)
            ioc.run_one_for(std::chrono::milliseconds(100));
    }

    // Lets the reactor see whatever is ready now (one epoll_wait that does not block), with
    // no read waiting on `socket`. The guard is the outstanding work without which poll()
    // would return before asking epoll.
    void poll_reactor() {
        auto guard = net::make_work_guard(ioc);
        ioc.restart();
        ioc.poll();
        ioc.poll();
    }

    // Sends `first` and reads it whole (a short read: the socket is drained), then starts the
    // next read into `into` and lets the reactor look: that read has nothing to read.
    void start_read_after_short_one(const std::string& first, char* into, std::size_t size, result& r) {
        send(first);
        EXPECT_EQ(read_once(64), first);
        start_read(into, size, r);
        poll_reactor();
    }

    std::string read_once(std::size_t size) {
        std::string buf(size, '\0');
        result r;
        start_read(buf.data(), buf.size(), r);
        run_until(r);
        EXPECT_TRUE(r.done);
        EXPECT_FALSE(r.ec) << r.ec.message();
        buf.resize(r.n);
        return buf;
    }

    net::io_context ioc{1};
    tcp::socket socket{ioc};
    tcp::socket peer{ioc};
};

TEST_F(ReadyRead, ReadsWhatIsThere) {
    send("hello");
    EXPECT_EQ(read_once(64), "hello");
}

TEST_F(ReadyRead, AReadAfterAShortOneWaitsForTheNextBytes) {
    char buf[64];
    result r;
    start_read_after_short_one("first", buf, sizeof buf, r);
    EXPECT_FALSE(r.done);  // nothing there: it waits
    send("second");
    run_until(r);
    ASSERT_TRUE(r.done);
    EXPECT_FALSE(r.ec);
    EXPECT_EQ(std::string(buf, r.n), "second");
}

TEST_F(ReadyRead, BytesThatArrivedWhileNoReadWaitedAreNotLost) {
    send("first");
    EXPECT_EQ(read_once(64), "first");
    send("second");
    poll_reactor();  // epoll reports the socket readable, with no read waiting
    EXPECT_EQ(read_once(64), "second");
    send("third");  // and with no poll in between
    EXPECT_EQ(read_once(64), "third");
}

TEST_F(ReadyRead, AReadThatFillsItsBufferLeavesTheRestForTheNext) {
    send("0123456789abcdef");
    poll_reactor();  // the readiness event is spent before the first read
    EXPECT_EQ(read_once(10), "0123456789");
    EXPECT_EQ(read_once(10), "abcdef");
    send("more");
    EXPECT_EQ(read_once(10), "more");
}

TEST_F(ReadyRead, TheEndOfStreamIsEof) {
    send("last");
    peer.shutdown(tcp::socket::shutdown_send);
    EXPECT_EQ(read_once(64), "last");
    char buf[8];
    result r;
    start_read(buf, sizeof buf, r);
    run_until(r);
    ASSERT_TRUE(r.done);
    EXPECT_EQ(r.ec, net::error::eof);
    EXPECT_EQ(r.n, 0u);
}

TEST_F(ReadyRead, AnEmptyBufferCompletesAtOnce) {
    result r;
    start_read(nullptr, 0, r);
    run_until(r);
    ASSERT_TRUE(r.done);
    EXPECT_FALSE(r.ec);
    EXPECT_EQ(r.n, 0u);
}

TEST_F(ReadyRead, AWaitingReadCanBeCancelled) {
    char buf[8];
    result r;
    start_read_after_short_one("x", buf, sizeof buf, r);
    ASSERT_FALSE(r.done);
    socket.cancel();
    run_until(r);
    ASSERT_TRUE(r.done);
    EXPECT_EQ(r.ec, net::error::operation_aborted);
}

TEST_F(ReadyRead, AsiosOwnReadsOnTheSameSocketStillSeeEveryByte) {
    send("short");
    EXPECT_EQ(read_once(64), "short");
    // The reactor now skips the try before a read: Asio's read must still get later bytes.
    char buf[64];
    result r;
    socket.async_read_some(net::buffer(buf), [&r](error_code ec, std::size_t n) { r = {true, ec, n}; });
    poll_reactor();
    EXPECT_FALSE(r.done);
    send("asio");
    run_until(r);
    ASSERT_TRUE(r.done);
    EXPECT_EQ(std::string(buf, r.n), "asio");
    send("again");
    EXPECT_EQ(read_once(64), "again");
}

TEST_F(ReadyRead, WorksFromACoroutine) {
    send("ping");
    std::string got;
    net::co_spawn(
        ioc,
        [&]() -> net::awaitable<void> {
            char buf[16];
            error_code ec;
            auto n = co_await async_read_ready(socket, net::buffer(buf),
                                               net::redirect_error(net::use_awaitable, ec));
            got.assign(buf, n);
        },
        net::detached);
    ioc.run_for(deadline);
    EXPECT_EQ(got, "ping");
}

}  // namespace
}  // namespace gangway
