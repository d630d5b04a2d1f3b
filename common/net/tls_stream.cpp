#include "common/net/tls_stream.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

namespace gangway {
namespace net = boost::asio;

namespace {

// One full TLS record (16 KiB of plaintext plus header, padding and tag) fits, so a record
// never needs more than one socket read once it has arrived.
constexpr std::size_t input_bytes = 17 * 1024;

// SSL_get_error() reads the thread's error queue, which must hold nothing older than the call
// it explains. What SSL_get_error() looks at is what ERR_peek_error() sees, and peeking is
// much cheaper than ERR_clear_error(), which wipes all sixteen slots every time.
void clear_errors() noexcept {
    if (ERR_peek_error() != 0) ERR_clear_error();
}

}  // namespace

struct tls_stream::engine {
    engine(socket_type s, net::ssl::context& ctx)
        : socket(std::move(s)), ssl(SSL_new(ctx.native_handle())) {
        if (!ssl) throw std::runtime_error("SSL_new failed");
        BIO* bio = BIO_new(method());
        if (!bio) {
            SSL_free(ssl);
            throw std::runtime_error("BIO_new failed");
        }
        BIO_set_data(bio, this);
        BIO_set_init(bio, 1);
        SSL_set_bio(ssl, bio, bio);  // the SSL owns the BIO from here on
        // A write is retried with the same bytes but not necessarily the same address: the
        // staging buffer lives in this engine and a coroutine frame may hold the rest.
        SSL_set_mode(ssl, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
        // OpenSSL's writes below must not block; Asio's own reads expect the same.
        boost::system::error_code ignored;
        socket.native_non_blocking(true, ignored);
    }
    ~engine() { SSL_free(ssl); }
    engine(const engine&) = delete;
    engine& operator=(const engine&) = delete;

    socket_type socket;
    SSL* ssl;
    std::unique_ptr<char[]> input{new char[input_bytes]};
    std::size_t input_begin = 0;  // unread bytes are [input_begin, input_end)
    std::size_t input_end = 0;
    bool input_eof = false;      // the peer closed its sending side
    bool input_pending = false;  // a socket read into `input` is under way
    int send_errno = 0;          // why the last send() failed, when it did
    // Records of the current SSL_write still to be sent, this one included. All but the last
    // go out with MSG_MORE, so the kernel packs them into full segments (loopback: 64 KiB)
    // instead of one segment per 16 KiB record. A record more than counted (a key update,
    // a smaller fragment size) only means the last ones go without MSG_MORE.
    std::size_t records_to_go = 0;
    bool write_pending = false;  // the last SSL_write wanted the socket writable: a retry
    std::unique_ptr<char[]> stage;
    bool accept_state_set = false;

    // What an OpenSSL call's result means for the caller.
    step outcome(int ret, boost::system::error_code& ec) {
        switch (SSL_get_error(ssl, ret)) {
            case SSL_ERROR_WANT_READ:
                if (input_eof) {  // OpenSSL wants more than the peer will ever send
                    ec = net::ssl::error::stream_truncated;
                    return step::failed;
                }
                return step::want_input;
            case SSL_ERROR_WANT_WRITE:
                return step::want_writable;
            case SSL_ERROR_ZERO_RETURN:
                ec = net::error::eof;  // the peer's close_notify
                return step::failed;
            case SSL_ERROR_SYSCALL:
                ec = send_errno
                         ? boost::system::error_code(send_errno, boost::system::system_category())
                         : boost::system::error_code(net::ssl::error::stream_truncated);
                ERR_clear_error();
                return step::failed;
            default: {
                const unsigned long e = ERR_get_error();
                if (ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
                    ec = net::ssl::error::stream_truncated;
                else
                    ec = boost::system::error_code(static_cast<int>(e),
                                                   net::error::get_ssl_category());
                ERR_clear_error();
                return step::failed;
            }
        }
    }

    // ---- the BIO OpenSSL reads and writes through --------------------------------------------
    static int bio_write(BIO* b, const char* data, int size) {
        auto& e = *static_cast<engine*>(BIO_get_data(b));
        BIO_clear_retry_flags(b);
        const int flags = MSG_NOSIGNAL | (e.records_to_go > 1 ? MSG_MORE : 0);
        for (;;) {
            const ssize_t n =
                ::send(e.socket.native_handle(), data, static_cast<std::size_t>(size), flags);
            if (n >= 0) {
                if (n == size && e.records_to_go) --e.records_to_go;
                return static_cast<int>(n);
            }
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                BIO_set_retry_write(b);
                return -1;
            }
            e.send_errno = errno;
            return -1;
        }
    }

    static int bio_read(BIO* b, char* out, int size) {
        auto& e = *static_cast<engine*>(BIO_get_data(b));
        BIO_clear_retry_flags(b);
        const std::size_t available = e.input_end - e.input_begin;
        if (!available) {
            if (e.input_eof) return 0;
            BIO_set_retry_read(b);
            return -1;
        }
        const std::size_t n = std::min(available, static_cast<std::size_t>(size));
        std::memcpy(out, e.input.get() + e.input_begin, n);
        e.input_begin += n;
        return static_cast<int>(n);
    }

    static long bio_ctrl(BIO* b, int cmd, long, void*) {
        switch (cmd) {
            case BIO_CTRL_FLUSH:
                return 1;  // every record was handed to the kernel when it was written
            case BIO_CTRL_EOF: {
                auto& e = *static_cast<engine*>(BIO_get_data(b));
                return e.input_eof && e.input_begin == e.input_end ? 1 : 0;
            }
            case BIO_CTRL_PENDING: {
                auto& e = *static_cast<engine*>(BIO_get_data(b));
                return static_cast<long>(e.input_end - e.input_begin);
            }
            default:
                return 0;
        }
    }

    static int bio_create(BIO* b) {
        BIO_set_init(b, 0);
        return 1;
    }

    static BIO_METHOD* method() {
        static BIO_METHOD* const m = [] {
            BIO_METHOD* bm =
                BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "gangway socket");
            if (!bm) throw std::runtime_error("BIO_meth_new failed");
            BIO_meth_set_write(bm, &engine::bio_write);
            BIO_meth_set_read(bm, &engine::bio_read);
            BIO_meth_set_ctrl(bm, &engine::bio_ctrl);
            BIO_meth_set_create(bm, &engine::bio_create);
            return bm;
        }();
        return m;
    }
};

tls_stream::tls_stream(socket_type socket, net::ssl::context& ctx)
    : engine_(std::make_unique<engine>(std::move(socket), ctx)) {}
tls_stream::tls_stream(tls_stream&&) noexcept = default;
tls_stream& tls_stream::operator=(tls_stream&&) noexcept = default;
tls_stream::~tls_stream() = default;

tls_stream::executor_type tls_stream::get_executor() noexcept {
    return engine_->socket.get_executor();
}
tls_stream::socket_type& tls_stream::next_layer() noexcept { return engine_->socket; }
const tls_stream::socket_type& tls_stream::next_layer() const noexcept { return engine_->socket; }

tls_stream::step tls_stream::handshake_step(net::ssl::stream_base::handshake_type type,
                                            boost::system::error_code& ec) {
    auto& e = *engine_;
    if (!e.accept_state_set) {
        if (type == net::ssl::stream_base::server)
            SSL_set_accept_state(e.ssl);
        else
            SSL_set_connect_state(e.ssl);
        e.accept_state_set = true;
    }
    clear_errors();
    e.send_errno = 0;
    const int r = SSL_do_handshake(e.ssl);
    if (r == 1) return step::done;
    return e.outcome(r, ec);
}

tls_stream::step tls_stream::read_step(void* data, std::size_t size, std::size_t& n,
                                       boost::system::error_code& ec) {
    auto& e = *engine_;
    // Nothing buffered here or inside OpenSSL: the read could only ask for input. The usual
    // case when a keep-alive connection waits for its next request, so skip the call.
    if (e.input_begin == e.input_end && !e.input_eof && SSL_is_init_finished(e.ssl) &&
        !SSL_has_pending(e.ssl))
        return step::want_input;
    clear_errors();
    e.send_errno = 0;
    const int r = SSL_read_ex(e.ssl, data, size, &n);
    if (r == 1) return step::done;
    return e.outcome(r, ec);
}

tls_stream::step tls_stream::write_step(const void* data, std::size_t size, std::size_t& n,
                                        boost::system::error_code& ec, bool more_after) {
    auto& e = *engine_;
    clear_errors();
    e.send_errno = 0;
    if (!e.write_pending) e.records_to_go = (size + record_bytes - 1) / record_bytes + more_after;
    const int r = SSL_write_ex(e.ssl, data, size, &n);
    const auto s = r == 1 ? step::done : e.outcome(r, ec);
    e.write_pending = s == step::want_writable;
    if (!e.write_pending) e.records_to_go = 0;
    return s;
}

tls_stream::step tls_stream::shutdown_step(boost::system::error_code& ec) {
    auto& e = *engine_;
    clear_errors();
    e.send_errno = 0;
    // 0 means our close_notify went out and the peer's has not come: enough (see the header).
    const int r = SSL_shutdown(e.ssl);
    if (r >= 0) return step::done;
    const auto s = e.outcome(r, ec);
    if (s == step::want_input) return step::done;
    return s;
}

net::mutable_buffer tls_stream::input_space() noexcept {
    auto& e = *engine_;
    if (e.input_begin == e.input_end) e.input_begin = e.input_end = 0;
    e.input_pending = true;
    return {e.input.get() + e.input_end, input_bytes - e.input_end};
}

void tls_stream::input_arrived(std::size_t n, const boost::system::error_code& ec) noexcept {
    auto& e = *engine_;
    e.input_pending = false;
    e.input_end += n;
    if (ec == net::error::eof) e.input_eof = true;
}

bool tls_stream::input_pending() const noexcept { return engine_->input_pending; }

char* tls_stream::staging() noexcept {
    auto& e = *engine_;
    if (!e.stage) e.stage.reset(new char[record_bytes]);
    return e.stage.get();
}

}  // namespace gangway
