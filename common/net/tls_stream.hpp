#pragma once
// A server-side TLS stream in which OpenSSL reads from a small input buffer and writes its
// records straight to the socket, instead of going through Asio's BIO pair.
//
// Why not boost::asio::ssl::stream (or beast::ssl_stream over it): its engine has OpenSSL
// write each record into a BIO pair, copies it out of the pair into its own output buffer,
// and only then sends it: two user-space copies of every byte sent, on top of the one
// OpenSSL makes to build the record. Under callgrind those copies were 131k of the 480k
// instructions of a proxied 64 KiB HTTPS response (nginx, which lets OpenSSL write to the
// socket, needs 388k). Here OpenSSL's write callback sends each record as it is sealed
// (one send() per record, as nginx does), and the socket is only waited on when it is full.
//
// Reads still go through Asio's socket (so an idle connection costs one epoll registration,
// and a read that finds no data waits without another system call): the bytes land in a
// 17 KiB input buffer that OpenSSL's read callback drains. Requests are small, so that copy
// is cheap.
//
// Gathered writes: a write of several buffers whose first one is small (an HTTP head before
// its body) copies up to one record's worth of them into a staging buffer, so head and the
// first body bytes go out as one record and one segment, as nginx's 16 KiB ssl_buffer does.
//
// The stream models Asio's AsyncReadStream and AsyncWriteStream (so Beast's HTTP algorithms
// and net::async_write work on it) and offers the handshake and shutdown of ssl::stream.
// It is not thread-safe: like any socket, use it from one executor (or strand) at a time;
// one read and one write may be pending at once. shutdown sends close_notify and does not
// wait for the peer's (the caller drains and closes, as nginx does).

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <type_traits>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/system/error_code.hpp>

#include "common/net/ready_read.hpp"

namespace gangway {

class tls_stream {
public:
    using socket_type = boost::asio::ip::tcp::socket;
    using executor_type = socket_type::executor_type;
    using next_layer_type = socket_type;
    using lowest_layer_type = socket_type;

    // Largest TLS plaintext record: the staging buffer's size for gathered writes.
    static constexpr std::size_t record_bytes = 16 * 1024;

    tls_stream(socket_type socket, boost::asio::ssl::context& ctx);
    tls_stream(tls_stream&&) noexcept;
    tls_stream& operator=(tls_stream&&) noexcept;
    ~tls_stream();

    executor_type get_executor() noexcept;
    socket_type& next_layer() noexcept;
    const socket_type& next_layer() const noexcept;
    socket_type& lowest_layer() noexcept { return next_layer(); }

    // What one non-blocking attempt of an OpenSSL call came to.
    enum class step { done, want_input, want_writable, failed };

    // The non-blocking attempts the operations below are made of. Each clears OpenSSL's error
    // queue first and leaves it empty.
    struct engine;
    step handshake_step(boost::asio::ssl::stream_base::handshake_type type,
                        boost::system::error_code& ec);
    step read_step(void* data, std::size_t size, std::size_t& n, boost::system::error_code& ec);
    // `more_after`: another write follows at once, so even the last record may wait in the
    // kernel for it (MSG_MORE).
    step write_step(const void* data, std::size_t size, std::size_t& n,
                    boost::system::error_code& ec, bool more_after = false);
    step shutdown_step(boost::system::error_code& ec);
    // Room for the next socket read, and what it brought (an end of stream is passed on to
    // OpenSSL, which tells a close_notify from a truncation).
    // One socket read at a time fills the input buffer: input_space() starts it and
    // input_arrived() ends it; input_pending() says one is under way.
    boost::asio::mutable_buffer input_space() noexcept;
    void input_arrived(std::size_t n, const boost::system::error_code& ec) noexcept;
    bool input_pending() const noexcept;
    // The staging buffer for gathered writes (record_bytes long).
    char* staging() noexcept;

    template <class Token>
    auto async_handshake(boost::asio::ssl::stream_base::handshake_type type, Token&& token) {
        return boost::asio::async_compose<Token, void(boost::system::error_code)>(
            io_op<handshake_attempt>{*this, handshake_attempt{type}}, token, next_layer());
    }

    template <class Token>
    auto async_shutdown(Token&& token) {
        return boost::asio::async_compose<Token, void(boost::system::error_code)>(
            io_op<shutdown_attempt>{*this, shutdown_attempt{}}, token, next_layer());
    }

    // Reads into the first non-empty buffer of `buffers`, as ssl::stream does.
    template <class MutableBufferSequence, class Token>
    auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
        boost::asio::mutable_buffer target;
        for (auto it = boost::asio::buffer_sequence_begin(buffers);
             it != boost::asio::buffer_sequence_end(buffers); ++it) {
            target = *it;
            if (target.size()) break;
        }
        return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
            io_op<read_attempt>{*this, read_attempt{target}}, token, next_layer());
    }

    // Writes the first non-empty buffer of `buffers`. When it is shorter than a record and
    // more follow: as much of the sequence as fits one record, copied into the staging buffer,
    // and then the rest of the buffer that did not fit whole (the head, the first body bytes
    // with it, then the rest of the body straight from its buffer).
    template <class ConstBufferSequence, class Token>
    auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
        return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
            io_op<write_attempt>{*this, gather(buffers)}, token, next_layer());
    }

    // Writes all of `buffers` at once, when one attempt (the one async_write_some would make
    // first) covers them and completes: a gathered write that fits one record (an answer's
    // head and a small body) or a single buffer. Otherwise returns false, and the caller
    // writes the same buffers with an asynchronous write: its first attempt gathers them the
    // same way and so repeats an OpenSSL write that would have blocked with the same bytes,
    // as OpenSSL requires. Saves a small answer the trip through the executor.
    template <class ConstBufferSequence>
    bool write_now(const ConstBufferSequence& buffers) {
        std::size_t total = 0;
        std::size_t parts = 0;
        for (auto it = boost::asio::buffer_sequence_begin(buffers);
             it != boost::asio::buffer_sequence_end(buffers); ++it) {
            const std::size_t size = boost::asio::const_buffer(*it).size();
            total += size;
            parts += size != 0;
        }
        // Decided before gather() copies anything: a larger gathered write is left whole to
        // the asynchronous write (one attempt would not cover it).
        if (total == 0 || (parts > 1 && total > record_bytes)) return false;
        write_attempt attempt = gather(buffers);
        if (attempt.tail.size() != 0 || attempt.first.size() != total) return false;
        boost::system::error_code ec;
        std::size_t n = 0;
        return attempt(*this, ec, n) == step::done;
    }

private:
    // One kind of attempt: `attempt(stream, ec, n)` makes one non-blocking try.
    struct handshake_attempt {
        using signature = void(boost::system::error_code);
        boost::asio::ssl::stream_base::handshake_type type;
        step operator()(tls_stream& s, boost::system::error_code& ec, std::size_t&) {
            return s.handshake_step(type, ec);
        }
    };
    struct shutdown_attempt {
        using signature = void(boost::system::error_code);
        step operator()(tls_stream& s, boost::system::error_code& ec, std::size_t&) {
            return s.shutdown_step(ec);
        }
    };
    struct read_attempt {
        using signature = void(boost::system::error_code, std::size_t);
        boost::asio::mutable_buffer target;
        step operator()(tls_stream& s, boost::system::error_code& ec, std::size_t& n) {
            if (!target.size()) return step::done;
            return s.read_step(target.data(), target.size(), n, ec);
        }
    };
    // A gathered write: `first` (the staged bytes, or the first buffer), then `tail` (the
    // rest of the buffer the staging stopped in), each written whole, in one operation.
    struct write_attempt {
        using signature = void(boost::system::error_code, std::size_t);
        boost::asio::const_buffer first;  // stays the same across retries, as OpenSSL requires
        boost::asio::const_buffer tail;
        bool first_done = false;
        step operator()(tls_stream& s, boost::system::error_code& ec, std::size_t& n) {
            std::size_t k = 0;
            if (!first_done) {
                if (!first.size()) return step::done;
                const auto r = s.write_step(first.data(), first.size(), k, ec, tail.size() != 0);
                if (r != step::done) return r;
                first_done = true;
                n = k;
                if (!tail.size()) return step::done;
            }
            const auto r = s.write_step(tail.data(), tail.size(), k, ec, false);
            if (r == step::done) n += k;
            return r;
        }
    };

    template <class ConstBufferSequence>
    write_attempt gather(const ConstBufferSequence& buffers) {
        auto it = boost::asio::buffer_sequence_begin(buffers);
        const auto end = boost::asio::buffer_sequence_end(buffers);
        while (it != end && boost::asio::const_buffer(*it).size() == 0) ++it;
        if (it == end) return {};
        const boost::asio::const_buffer first = *it;
        auto next = it;
        ++next;
        if (first.size() >= record_bytes || next == end) return {first, {}};
        char* stage = staging();
        std::size_t used = 0;
        boost::asio::const_buffer tail;
        for (; it != end && used < record_bytes; ++it) {
            const boost::asio::const_buffer b = *it;
            const std::size_t take = std::min(b.size(), record_bytes - used);
            if (take) std::memcpy(stage + used, b.data(), take);
            used += take;
            if (take < b.size()) tail = b + take;
        }
        return {{stage, used}, tail};
    }

    // Drives one attempt to completion: waits for input or writability as OpenSSL asks, and
    // completes through the executor when the first attempt already succeeds or fails (a
    // handler is never called from inside the initiating function).
    template <class Attempt>
    struct io_op {
        tls_stream& stream;
        Attempt attempt;
        enum class waiting { nothing, input, writable, posted } wait = waiting::nothing;
        boost::system::error_code result_ec{};
        std::size_t result_n = 0;

        template <class Self>
        void operator()(Self& self, boost::system::error_code ec = {}, std::size_t n = 0) {
            switch (std::exchange(wait, waiting::nothing)) {
                case waiting::posted:
                    return finish(self);
                case waiting::input:
                    stream.input_arrived(n, ec);
                    if (ec && ec != boost::asio::error::eof) {
                        result_ec = ec;
                        return finish(self);
                    }
                    break;
                case waiting::writable:
                    if (ec) {
                        result_ec = ec;
                        return finish(self);
                    }
                    break;
                case waiting::nothing:
                    return run(self, true);
            }
            run(self, false);
        }

    private:
        template <class Self>
        void run(Self& self, bool initiating) {
            switch (attempt(stream, result_ec, result_n)) {
                case step::want_input:
                    if (stream.input_pending()) {
                        // A write that needs input (renegotiation, which OpenSSL 3 refuses by
                        // default) while a read waits for it: not supported, the stream ends.
                        result_ec = boost::asio::error::in_progress;
                        break;
                    }
                    wait = waiting::input;
                    async_read_ready(stream.next_layer(), stream.input_space(), std::move(self));
                    return;
                case step::want_writable:
                    wait = waiting::writable;
                    stream.next_layer().async_wait(socket_type::wait_write, std::move(self));
                    return;
                case step::done:
                case step::failed:
                    break;
            }
            if (initiating) {
                wait = waiting::posted;
                boost::asio::post(stream.get_executor(), std::move(self));
                return;
            }
            finish(self);
        }

        template <class Self>
        void finish(Self& self) {
            if constexpr (std::is_same_v<typename Attempt::signature,
                                         void(boost::system::error_code)>)
                self.complete(result_ec);
            else
                self.complete(result_ec, result_ec ? std::size_t{0} : result_n);
        }
    };

    std::unique_ptr<engine> engine_;
};

}  // namespace gangway
