#pragma once
// Streaming of one HTTP message body from a parser on one stream to a serializer on another,
// in pieces of a fixed buffer, so memory stays flat whatever the body size (Beast's
// http_relay pattern). Included only by the .cpp files that instantiate it.

#include <utility>

#include <algorithm>
#include <array>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include <sys/socket.h>
#include <sys/uio.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/asio/write.hpp>

#include "common/net/ready_read.hpp"
#include "gateway/proxy/io_watchdog.hpp"
#include "gateway/proxy/wire_head.hpp"

namespace gangway {

// Completion condition for net::async_write: everything, each write_some offered all that
// is left. Asio's default (transfer_all) offers at most 64 KiB per write_some, which splits
// a 64 KiB body and its head into two system calls: two segments and two wake-ups of the
// reader instead of one.
struct whole_write {
    std::size_t operator()(const boost::system::error_code& ec, std::size_t) const noexcept {
        return ec ? 0 : std::numeric_limits<std::size_t>::max();
    }
};

// Sends at once, without waiting, as much of `parts` as a plain socket takes (one sendmsg with
// MSG_DONTWAIT), and drops what it took from the front of `parts`. Returns whether nothing is
// left. A failed send takes nothing: the awaited write that must follow fails the same way and
// reports it. A TLS stream writes all or nothing here (tls_stream::write_now).
//
// Why: an awaited write that completes at once (the usual case: the answer fits the socket's
// buffer) still goes through Asio's machinery: a coroutine frame for the initiation, the
// operation, its completion queued to the scheduler and the coroutine resumed from there
// (about 1.5k instructions, two mutex round trips and an allocation per write, under
// callgrind). A request costs two such writes, one to each side.
template <class Stream, class Buffers>
bool write_ready(Stream& out, Buffers& parts) {
    if constexpr (requires { out.write_now(parts); }) {
        return out.write_now(parts);  // TLS: all or nothing (tls_stream::write_now)
    } else if constexpr (!std::is_same_v<Stream, boost::asio::ip::tcp::socket>) {
        return false;
    } else {
        constexpr std::size_t max_parts = 8;
        iovec iov[max_parts];
        std::size_t count = 0;
        std::size_t total = 0;
        for (const auto& b : parts) {
            if (b.size() == 0) continue;
            if (count == max_parts) return false;
            iov[count++] = {const_cast<void*>(b.data()), b.size()};
            total += b.size();
        }
        if (total == 0) return true;
        msghdr msg{};
        msg.msg_iov = iov;
        msg.msg_iovlen = count;
        const ssize_t n = ::sendmsg(out.native_handle(), &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n <= 0) return false;
        std::size_t sent = static_cast<std::size_t>(n);
        for (auto& b : parts) {
            const std::size_t k = std::min(sent, b.size());
            b += k;
            sent -= k;
        }
        return static_cast<std::size_t>(n) == total;
    }
}

// Where a relay stopped; anything but `done` means the message was not delivered whole and
// neither connection may be reused.
enum class relay_status { done, read_failed, read_timeout, body_too_large, write_failed, write_timeout };

struct relay_deadlines {
    std::chrono::milliseconds read;   // longest wait for the next piece from the input
    std::chrono::milliseconds write;  // longest wait for one piece to be taken by the output
};

struct relay_result {
    relay_status status = relay_status::done;
    std::uint64_t body_bytes = 0;
    boost::beast::error_code ec;
};

// Reads the next body piece into `piece`, within `deadline` (kept by `watch`). After it, the
// parser's body points at the bytes read (possibly none) and says whether more will follow.
template <class In, class DynamicBuffer, bool IsRequest, class Allocator>
boost::asio::awaitable<boost::beast::error_code> read_body_piece(
    In& in, DynamicBuffer& in_buffer,
    boost::beast::http::parser<IsRequest, boost::beast::http::buffer_body, Allocator>& p, char* piece,
    std::size_t piece_size, std::chrono::milliseconds deadline, io_watchdog& watch) {
    namespace http = boost::beast::http;
    auto& body = p.get().body();
    body.data = piece;
    body.size = piece_size;
    boost::beast::error_code ec;
    watch.arm(boost::beast::get_lowest_layer(in), deadline);
    co_await http::async_read_some(in, in_buffer, p,
                                   boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    ec = watch.outcome(ec);
    if (ec == http::error::need_buffer) ec = {};
    body.size = piece_size - body.size;
    // A read can end with no body bytes (say, after a chunk-size line). Beast's chunked
    // serializer would write an empty buffer as a zero-size, i.e. final, chunk: hand it none.
    body.data = body.size ? piece : nullptr;
    body.more = !p.is_done();
    co_return ec;
}

inline relay_status classify_read_error(const boost::beast::error_code& ec) {
    if (ec == boost::beast::error::timeout) return relay_status::read_timeout;
    if (ec == boost::beast::http::error::body_limit) return relay_status::body_too_large;
    return relay_status::read_failed;
}

// Writes `head` (serialised, not yet sent) and then the body, piece by piece, in `framing`.
// `first_piece_loaded` says the parser's body already holds a piece read by read_body_piece
// that must be written first. Head, chunk-size line, data and chunk end go out in one gathered
// write per piece. `watch` keeps the deadlines.
template <class In, class DynamicBuffer, class Out, bool IsRequest, class Allocator>
boost::asio::awaitable<relay_result> relay_body(
    In& in, DynamicBuffer& in_buffer,
    boost::beast::http::parser<IsRequest, boost::beast::http::buffer_body, Allocator>& p, Out& out,
    const std::string& head, body_framing framing, char* piece, std::size_t piece_size,
    relay_deadlines deadlines, bool first_piece_loaded, io_watchdog& watch) {
    namespace net = boost::asio;
    static constexpr std::string_view crlf = "\r\n";
    static constexpr std::string_view last_chunk = "0\r\n\r\n";
    relay_result result;
    bool loaded = first_piece_loaded;
    bool head_sent = false;
    char size_line[20];
    for (;;) {
        auto& body = p.get().body();
        if (!loaded) {
            if (!p.is_done()) {
                result.ec = co_await read_body_piece(in, in_buffer, p, piece, piece_size,
                                                     deadlines.read, watch);
                if (result.ec) {
                    result.status = classify_read_error(result.ec);
                    co_return result;
                }
            } else {
                body.data = nullptr;
                body.size = 0;
                body.more = false;
            }
        }
        loaded = false;
        std::array<net::const_buffer, 5> parts;
        std::size_t n = 0;
        if (!head_sent) parts[n++] = net::buffer(head);
        if (body.size && framing == body_framing::chunked) {
            parts[n++] = net::buffer(size_line, chunk_size_line(body.size, size_line));
            parts[n++] = net::buffer(body.data, body.size);
            parts[n++] = net::buffer(crlf);
        } else if (body.size && framing == body_framing::raw) {
            parts[n++] = net::buffer(body.data, body.size);
        }
        bool last = !body.more;
        if (last && framing == body_framing::chunked) parts[n++] = net::buffer(last_chunk);
        result.body_bytes += body.size;
        if (std::span unsent(parts.data(), n); n && !write_ready(out, unsent)) {
            watch.arm(boost::beast::get_lowest_layer(out), deadlines.write);
            co_await net::async_write(out, unsent, whole_write{},
                                      net::redirect_error(net::use_awaitable, result.ec));
            result.ec = watch.outcome(result.ec);
            if (result.ec) {
                result.status = result.ec == boost::beast::error::timeout
                                    ? relay_status::write_timeout
                                    : relay_status::write_failed;
                co_return result;
            }
        }
        head_sent = true;
        if (last) co_return result;
    }
}

// Reads, without waiting, what `in` has ready, at most `size` bytes into `data`; 0 when
// nothing is ready or the socket failed (the next asynchronous read reports why).
inline std::size_t read_ready(boost::asio::ip::tcp::socket& in, char* data, std::size_t size) noexcept {
    std::size_t got = 0;
    while (got < size) {
        const ssize_t n = ::recv(in.native_handle(), data + got, size - got, MSG_DONTWAIT);
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    return got;
}

// Relays a body of known length without the parser: bytes already buffered are written from
// the buffer, the rest is read straight into `piece` and written from there, so no byte is
// copied in user space. Reads never go past the body's end, so pipelined bytes stay unread.
// Writes `head` first (with the first bytes, or alone for an empty body). `watch` keeps the
// deadlines.
//
// When part of the body is buffered, what a plain socket has ready besides is read at once
// and written with it, in one gathered write: a 64 KiB answer whose head filled the read
// buffer then goes out in one write instead of two or three (each write to a loopback or
// LAN peer costs a segment and a wake-up of the reader), as nginx, which reads its upstream
// until it would block before writing, does.
template <class In, class DynamicBuffer, class Out>
boost::asio::awaitable<relay_result> relay_sized_body(In& in, DynamicBuffer& in_buffer,
                                                      std::uint64_t length, Out& out,
                                                      const std::string& head, char* piece,
                                                      std::size_t piece_size,
                                                      relay_deadlines deadlines,
                                                      io_watchdog& watch) {
    namespace net = boost::asio;
    relay_result result;
    bool head_sent = false;
    auto remaining = length;
    do {
        std::size_t from_buffer = 0;
        std::size_t in_piece = 0;
        if (remaining && in_buffer.size()) {
            from_buffer = static_cast<std::size_t>(std::min<std::uint64_t>(in_buffer.size(), remaining));
            if constexpr (std::is_same_v<In, net::ip::tcp::socket>) {
                in_piece = read_ready(
                    in, piece,
                    static_cast<std::size_t>(std::min<std::uint64_t>(piece_size, remaining - from_buffer)));
            }
        } else if (remaining) {
            auto want = static_cast<std::size_t>(std::min<std::uint64_t>(piece_size, remaining));
            watch.arm(boost::beast::get_lowest_layer(in), deadlines.read);
            in_piece = co_await async_read_ready(in, net::buffer(piece, want),
                                                 net::redirect_error(net::use_awaitable, result.ec));
            result.ec = watch.outcome(result.ec);
            if (result.ec) {
                result.status = classify_read_error(result.ec);
                co_return result;
            }
        }
        std::array<net::const_buffer, 3> parts{
            net::buffer(head), net::buffer(net::buffer(in_buffer.data()).data(), from_buffer),
            net::buffer(piece, in_piece)};
        auto first = head_sent ? 1u : 0u;
        if (std::span unsent(parts.data() + first, parts.size() - first); !write_ready(out, unsent)) {
            watch.arm(boost::beast::get_lowest_layer(out), deadlines.write);
            co_await net::async_write(out, unsent, whole_write{},
                                      net::redirect_error(net::use_awaitable, result.ec));
            result.ec = watch.outcome(result.ec);
        }
        if (result.ec) {
            result.status = result.ec == boost::beast::error::timeout ? relay_status::write_timeout
                                                                      : relay_status::write_failed;
            co_return result;
        }
        in_buffer.consume(from_buffer);
        head_sent = true;
        remaining -= from_buffer + in_piece;
        result.body_bytes += from_buffer + in_piece;
    } while (remaining);
    co_return result;
}

}  // namespace gangway
