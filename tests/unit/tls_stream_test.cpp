#include "common/net/tls_stream.hpp"

#include <stdlib.h>  // mkdtemp (POSIX)

#include <utility>

#include <array>
#include <functional>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <gtest/gtest.h>

#include "common/net/tls_context.hpp"

// tls_stream against Asio's own TLS client over real loopback sockets: handshake, bytes both
// ways in every shape of write, a writer that has to wait for a slow reader, and how the
// stream ends (close_notify, truncation, a socket closed under a pending read, garbage).

namespace gangway {
namespace {
namespace net = boost::asio;
namespace ssl = net::ssl;
namespace fs = std::filesystem;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

auto use_ec(error_code& ec) { return net::redirect_error(net::use_awaitable, ec); }

// Deterministic bytes, so a reordering or a lost piece shows.
std::string pattern_bytes(std::size_t n, unsigned seed) {
    std::string s(n, '\0');
    std::uint32_t x = seed * 2654435761u + 1;
    for (auto& c : s) {
        x = x * 1664525u + 1013904223u;
        c = static_cast<char>(x >> 24);
    }
    return s;
}

class TlsStream : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        std::string pattern = (fs::temp_directory_path() / "gangway-tls-test-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        const char* source_dir = std::getenv("GANGWAY_SOURCE_DIR");
        const fs::path root =
            source_dir ? fs::path(source_dir) : fs::path(__FILE__).parent_path() / "../..";
        const std::string command = "bash '" + (root / "certs/make-dev-certs.sh").string() + "' '" +
                                    dir_.string() + "' >/dev/null";
        ASSERT_EQ(std::system(command.c_str()), 0) << command;
    }
    static void TearDownTestSuite() {
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }

    TlsStream() : acceptor_(ioc_, {net::ip::address_v4::loopback(), 0}) {
        server_ctx_ = make_server_tls_context((dir_ / "localhost.crt").string(),
                                              (dir_ / "localhost.key").string());
        client_ctx_.load_verify_file((dir_ / "ca.crt").string());
        client_ctx_.set_verify_mode(ssl::verify_peer);
    }

    // Connects a client and accepts the server side (no handshake yet).
    void connect(std::size_t socket_buffer = 0) {
        tcp::socket client_socket(ioc_);
        client_socket.connect(acceptor_.local_endpoint());
        tcp::socket server_socket = acceptor_.accept();
        if (socket_buffer) {
            client_socket.set_option(net::socket_base::receive_buffer_size(int(socket_buffer)));
            server_socket.set_option(net::socket_base::send_buffer_size(int(socket_buffer)));
        }
        client_.emplace(std::move(client_socket), client_ctx_);
        server_.emplace(std::move(server_socket), *server_ctx_);
    }

    // Runs the two sides to completion on one thread; rethrows what either threw.
    void run(net::awaitable<void> server_side, net::awaitable<void> client_side) {
        std::exception_ptr failed;
        auto note = [&](std::exception_ptr e) {
            if (e && !failed) failed = e;
        };
        net::co_spawn(ioc_, std::move(server_side), note);
        net::co_spawn(ioc_, std::move(client_side), note);
        ioc_.run();
        if (failed) std::rethrow_exception(failed);
    }

    net::awaitable<void> server_handshake() {
        error_code ec;
        co_await server_->async_handshake(ssl::stream_base::server, use_ec(ec));
        EXPECT_FALSE(ec) << ec.message();
    }
    // Lets the other side run until `flag` is set (one thread: the other side is then
    // suspended in the operation it started right after setting it).
    net::awaitable<void> until(const bool& flag) {
        while (!flag) co_await net::post(ioc_, net::use_awaitable);
    }
    net::awaitable<void> client_handshake() {
        error_code ec;
        co_await client_->async_handshake(ssl::stream_base::client, use_ec(ec));
        EXPECT_FALSE(ec) << ec.message();
    }

    // The error a server read ends with when `end_it` runs while it waits (after both
    // handshakes, on the client's side).
    error_code pending_read_ended_by(const std::function<void()>& end_it) {
        connect();
        error_code server_read;
        bool reading = false;
        run(
            [&]() -> net::awaitable<void> {
                co_await server_handshake();
                std::array<char, 16> chunk;
                reading = true;
                co_await server_->async_read_some(net::buffer(chunk), use_ec(server_read));
            }(),
            [&]() -> net::awaitable<void> {
                co_await client_handshake();
                co_await until(reading);
                end_it();
            }());
        return server_read;
    }

    static inline fs::path dir_;
    net::io_context ioc_;
    tcp::acceptor acceptor_;
    std::shared_ptr<ssl::context> server_ctx_;
    ssl::context client_ctx_{ssl::context::tls_client};
    std::optional<ssl::stream<tcp::socket>> client_;
    std::optional<tls_stream> server_;
};

TEST_F(TlsStream, GatheredWritesArriveWholeAndInOrder) {
    connect();
    // Every shape gather() sees: a small first buffer with more after it (staged, with the
    // rest of a large buffer as the tail), empty buffers, a first buffer of a record or more.
    const std::vector<std::string> pieces{pattern_bytes(5, 1),     "",
                                          pattern_bytes(20000, 2), pattern_bytes(3, 3),
                                          pattern_bytes(70000, 4), pattern_bytes(16384, 5),
                                          pattern_bytes(1, 6)};
    std::string expected;
    for (const auto& p : pieces) expected += p;
    std::string got(expected.size(), '\0');
    run(
        [&]() -> net::awaitable<void> {
            co_await server_handshake();
            std::vector<net::const_buffer> buffers;
            for (const auto& p : pieces) buffers.push_back(net::buffer(p));
            error_code ec;
            auto n = co_await net::async_write(*server_, buffers, use_ec(ec));
            EXPECT_FALSE(ec) << ec.message();
            EXPECT_EQ(n, expected.size());
            // A single small buffer, then a large one alone.
            const std::string tail = pattern_bytes(100000, 7);
            co_await net::async_write(*server_, net::buffer(tail), use_ec(ec));
            EXPECT_FALSE(ec) << ec.message();
        }(),
        [&]() -> net::awaitable<void> {
            co_await client_handshake();
            error_code ec;
            co_await net::async_read(*client_, net::buffer(got), use_ec(ec));
            EXPECT_FALSE(ec) << ec.message();
            std::string tail(100000, '\0');
            co_await net::async_read(*client_, net::buffer(tail), use_ec(ec));
            EXPECT_FALSE(ec) << ec.message();
            EXPECT_EQ(tail, pattern_bytes(100000, 7));
        }());
    EXPECT_EQ(got, expected);
}

// write_now: a small gathered answer goes out at once while the socket has room; once it
// has none, write_now says so and the asynchronous write of the same buffers (which repeats
// OpenSSL's blocked write) delivers it; a write larger than a record is never tried at once.
TEST_F(TlsStream, WriteNowSendsSmallAnswersAtOnceAndLeavesTheRestToTheAsyncWrite) {
    connect(16 * 1024);  // small buffers: the writer runs out of room before the reader reads
    const std::string head = pattern_bytes(200, 21);
    const std::string body = pattern_bytes(1024, 22);
    const std::string large = pattern_bytes(40000, 23);
    std::size_t at_once = 0;
    bool full = false;
    std::string got;
    run(
        [&]() -> net::awaitable<void> {
            co_await server_handshake();
            std::array<net::const_buffer, 2> answer{net::buffer(head), net::buffer(body)};
            while (server_->write_now(answer)) ++at_once;
            full = true;
            error_code ec;
            co_await net::async_write(*server_, answer, use_ec(ec));
            EXPECT_FALSE(ec) << ec.message();
            std::array<net::const_buffer, 2> big{net::buffer(head), net::buffer(large)};
            EXPECT_FALSE(server_->write_now(big));
            co_await net::async_write(*server_, big, use_ec(ec));
            EXPECT_FALSE(ec) << ec.message();
        }(),
        [&]() -> net::awaitable<void> {
            co_await client_handshake();
            co_await until(full);
            const std::size_t total = (at_once + 1) * (head.size() + body.size()) + head.size() + large.size();
            got.resize(total);
            error_code ec;
            co_await net::async_read(*client_, net::buffer(got), use_ec(ec));
            EXPECT_FALSE(ec) << ec.message();
        }());
    EXPECT_GT(at_once, 0u);
    std::string expected;
    for (std::size_t i = 0; i <= at_once; ++i) expected += head + body;
    expected += head + large;
    EXPECT_TRUE(got == expected);
}

TEST_F(TlsStream, ReadsManySmallRecordsAndOneLargeBodyInSmallSteps) {
    connect();
    std::string expected;
    for (unsigned i = 0; i < 300; ++i) expected += pattern_bytes(1 + i % 37, i);
    expected += pattern_bytes(300000, 99);
    std::string got;
    run(
        [&]() -> net::awaitable<void> {
            co_await server_handshake();
            std::array<char, 700> chunk;
            while (got.size() < expected.size()) {
                error_code ec;
                auto n = co_await server_->async_read_some(net::buffer(chunk), use_ec(ec));
                if (ec) {
                    ADD_FAILURE() << ec.message() << " after " << got.size() << " bytes";
                    co_return;
                }
                got.append(chunk.data(), n);
            }
        }(),
        [&]() -> net::awaitable<void> {
            co_await client_handshake();
            error_code ec;
            std::size_t at = 0;
            for (unsigned i = 0; i < 300; ++i) {  // one record each
                const std::size_t n = 1 + i % 37;
                co_await net::async_write(*client_, net::buffer(expected.data() + at, n),
                                          use_ec(ec));
                at += n;
            }
            co_await net::async_write(
                *client_, net::buffer(expected.data() + at, expected.size() - at), use_ec(ec));
            EXPECT_FALSE(ec) << ec.message();
        }());
    EXPECT_EQ(got, expected);
}

TEST_F(TlsStream, AWriteLargerThanTheSocketBuffersWaitsForTheReader) {
    connect(16 * 1024);  // small buffers on both ends: the server's write must wait
    const std::string body = pattern_bytes(4 * 1024 * 1024, 11);
    std::string got(body.size(), '\0');
    bool written = false;
    run(
        [&]() -> net::awaitable<void> {
            co_await server_handshake();
            error_code ec;
            std::string head = "head";
            std::array<net::const_buffer, 2> parts{net::buffer(head), net::buffer(body)};
            co_await net::async_write(*server_, parts, use_ec(ec));
            EXPECT_FALSE(ec) << ec.message();
            written = true;
        }(),
        [&]() -> net::awaitable<void> {
            co_await client_handshake();
            error_code ec;
            std::array<char, 4> head;
            co_await net::async_read(*client_, net::buffer(head), use_ec(ec));
            EXPECT_EQ(std::string(head.data(), 4), "head");
            // Small reads, each a trip through the event loop, while the writer waits.
            for (std::size_t at = 0; at < got.size() && !ec;) {
                auto n = co_await client_->async_read_some(
                    net::buffer(got.data() + at, std::min<std::size_t>(4096, got.size() - at)),
                    use_ec(ec));
                at += n;
            }
            EXPECT_FALSE(ec) << ec.message();
        }());
    EXPECT_TRUE(written);
    EXPECT_TRUE(got == body);
}

TEST_F(TlsStream, ThePeersCloseNotifyIsEndOfStreamAndShutdownSendsOurs) {
    connect();
    error_code server_read, client_shutdown;
    run(
        [&]() -> net::awaitable<void> {
            co_await server_handshake();
            std::array<char, 16> chunk;
            co_await server_->async_read_some(net::buffer(chunk), use_ec(server_read));
            error_code ec;
            co_await server_->async_shutdown(use_ec(ec));
            EXPECT_FALSE(ec) << ec.message();
        }(),
        [&]() -> net::awaitable<void> {
            co_await client_handshake();
            // Asio's shutdown sends close_notify, then waits for the server's.
            co_await client_->async_shutdown(use_ec(client_shutdown));
        }());
    EXPECT_EQ(server_read, net::error::eof) << server_read.message();
    EXPECT_FALSE(client_shutdown) << client_shutdown.message();
}

TEST_F(TlsStream, AConnectionClosedWithoutCloseNotifyIsTruncated) {
    // FIN without close_notify (not close(): unread session tickets would make it a reset).
    const error_code server_read =
        pending_read_ended_by([&] { client_->next_layer().shutdown(tcp::socket::shutdown_send); });
    EXPECT_EQ(server_read, ssl::error::stream_truncated) << server_read.message();
}

TEST_F(TlsStream, ClosingTheSocketEndsAPendingRead) {
    // What the connection's watchdog does on a deadline: close the lowest layer.
    const error_code server_read = pending_read_ended_by([&] { server_->next_layer().close(); });
    EXPECT_EQ(server_read, net::error::operation_aborted) << server_read.message();
}

TEST_F(TlsStream, APlainTextClientFailsTheHandshake) {
    connect();
    error_code handshake;
    run(
        [&]() -> net::awaitable<void> {
            co_await server_->async_handshake(ssl::stream_base::server, use_ec(handshake));
            server_->next_layer().close();  // as the connection does when the handshake fails
        }(),
        [&]() -> net::awaitable<void> {
            error_code ec;
            const std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
            co_await net::async_write(client_->next_layer(), net::buffer(request), use_ec(ec));
            std::array<char, 256> sink;
            co_await client_->next_layer().async_read_some(net::buffer(sink), use_ec(ec));
        }());
    EXPECT_TRUE(handshake);
    EXPECT_NE(handshake, net::error::operation_aborted);
}

}  // namespace
}  // namespace gangway
