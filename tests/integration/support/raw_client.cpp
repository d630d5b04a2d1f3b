#include "tests/integration/support/raw_client.hpp"

#include "common/http/field_text.hpp"

#include <utility>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <openssl/ssl.h>

namespace gangway::integration {
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;
using error_code = boost::system::error_code;

namespace {

constexpr std::size_t read_chunk = 64 * 1024;

// The ways a peer's close shows up, TLS or not.
bool is_close(const error_code& ec) {
    return ec == net::error::eof || ec == net::error::connection_reset ||
           ec == net::error::broken_pipe || ec == ssl::error::stream_truncated;
}

}  // namespace

std::string transport_name(transport t) { return t == transport::tls ? "Tls" : "Plain"; }

void PrintTo(transport t, std::ostream* os) { *os << transport_name(t); }

std::optional<std::string> http_response::header(std::string_view name) const {
    for (const auto& [n, v] : headers)
        if (iequals(n, name)) return v;
    return std::nullopt;
}

std::size_t http_response::header_count(std::string_view name) const {
    std::size_t count = 0;
    for (const auto& h : headers)
        if (iequals(h.first, name)) ++count;
    return count;
}

struct raw_client::impl {
    net::io_context ioc;
    std::optional<ssl::context> tls_context;
    tcp::socket plain{ioc};
    std::optional<ssl::stream<tcp::socket&>> tls;
    std::chrono::milliseconds timeout;
    std::string unread;  // received, not yet consumed
    bool closed = false;

    // Runs the one asynchronous operation `start` begins until it completes or `limit`
    // passes; on timeout the operation is cancelled and its result is timed_out.
    template <class Start>
    std::pair<error_code, std::size_t> run(std::chrono::milliseconds limit, Start&& start) {
        error_code result;
        std::size_t transferred = 0;
        bool done = false;
        start([&](error_code ec, std::size_t n) {
            result = ec;
            transferred = n;
            done = true;
        });
        ioc.restart();
        ioc.run_for(limit);
        if (!done) {
            error_code ignored;
            plain.cancel(ignored);
            ioc.restart();
            ioc.run();
            return {net::error::timed_out, transferred};
        }
        return {result, transferred};
    }

    template <class F>
    auto with_stream(F&& f) {
        if (tls) return f(*tls);
        return f(plain);
    }

    error_code write(std::string_view bytes) {
        return with_stream([&](auto& s) {
            return run(timeout, [&](auto handler) {
                net::async_write(s, net::buffer(bytes.data(), bytes.size()), handler);
            }).first;
        });
    }

    // Appends what arrives within `limit` to `unread`.
    error_code read_more(std::chrono::milliseconds limit) {
        std::size_t old = unread.size();
        unread.resize(old + read_chunk);
        auto [ec, n] = with_stream([&](auto& s) {
            return run(limit, [&](auto handler) {
                s.async_read_some(net::buffer(unread.data() + old, read_chunk), handler);
            });
        });
        unread.resize(old + n);
        if (is_close(ec)) closed = true;
        return ec;
    }

    // False when the peer closed; throws on timeout and other errors.
    bool fill() {
        if (closed) return false;
        auto ec = read_more(timeout);
        if (closed) return false;
        if (ec == net::error::timed_out) throw io_timeout("read timed out");
        if (ec) throw std::runtime_error("read failed: " + ec.message());
        return true;
    }

    std::string read_line() {
        std::size_t lf;
        while ((lf = unread.find("\r\n")) == std::string::npos)
            if (!fill()) throw std::runtime_error("connection closed inside a line");
        auto line = unread.substr(0, lf);
        unread.erase(0, lf + 2);
        return line;
    }

    // Passes exactly n bytes to `deliver`, in the pieces they arrive in.
    template <class Deliver>
    void take(std::uint64_t n, Deliver&& deliver) {
        while (n > 0) {
            if (unread.empty() && !fill())
                throw std::runtime_error("connection closed inside a body");
            auto piece = static_cast<std::size_t>(std::min<std::uint64_t>(n, unread.size()));
            deliver(std::string_view(unread.data(), piece));
            unread.erase(0, piece);
            n -= piece;
        }
    }
};

raw_client::raw_client(transport t, std::uint16_t port, const std::string& ca_file,
                       std::chrono::milliseconds io_timeout, const std::string& source_ip)
    : impl_(std::make_unique<impl>()) {
    impl_->timeout = io_timeout;
    tcp::endpoint ep{net::ip::make_address("127.0.0.1"), port};
    if (!source_ip.empty()) {
        impl_->plain.open(tcp::v4());
        impl_->plain.bind({net::ip::make_address(source_ip), 0});
    }
    auto [ec, n] = impl_->run(io_timeout, [&](auto handler) {
        impl_->plain.async_connect(ep, [handler](error_code e) mutable { handler(e, 0); });
    });
    if (ec) throw std::runtime_error("connect to port " + std::to_string(port) + ": " + ec.message());
    impl_->plain.set_option(tcp::no_delay(true), ec);
    if (t == transport::plain) return;

    auto& ctx = impl_->tls_context.emplace(ssl::context::tls_client);
    ctx.load_verify_file(ca_file);
    ctx.set_verify_mode(ssl::verify_peer);
    auto& s = impl_->tls.emplace(impl_->plain, ctx);
    s.set_verify_callback(ssl::host_name_verification("localhost"));
    SSL_set_tlsext_host_name(s.native_handle(), "localhost");
    std::tie(ec, n) = impl_->run(io_timeout, [&](auto handler) {
        s.async_handshake(ssl::stream_base::client,
                          [handler](error_code e) mutable { handler(e, 0); });
    });
    if (ec) throw std::runtime_error("TLS handshake: " + ec.message());
}

raw_client::~raw_client() = default;
raw_client::raw_client(raw_client&&) noexcept = default;
raw_client& raw_client::operator=(raw_client&&) noexcept = default;

void raw_client::send(std::string_view bytes) {
    auto ec = impl_->write(bytes);
    if (ec == net::error::timed_out) throw io_timeout("write timed out");
    if (ec) throw std::runtime_error("write failed: " + ec.message());
}

bool raw_client::try_send(std::string_view bytes) { return !impl_->write(bytes); }

http_response raw_client::read_response(const body_sink& sink, bool no_body) {
    auto& in = *impl_;
    http_response res;
    for (;;) {
        std::size_t end;
        while ((end = in.unread.find("\r\n\r\n")) == std::string::npos)
            if (!in.fill())
                throw std::runtime_error("connection closed before a complete response head (got " +
                                         std::to_string(in.unread.size()) + " bytes)");
        std::string_view head{in.unread.data(), end + 2};
        auto line_end = head.find("\r\n");
        std::string_view line = head.substr(0, line_end);
        auto sp1 = line.find(' ');
        if (sp1 == std::string_view::npos) throw std::runtime_error("bad status line");
        auto sp2 = line.find(' ', sp1 + 1);
        res = {};
        res.version = std::string(line.substr(0, sp1));
        res.status = static_cast<unsigned>(
            std::strtoul(std::string(line.substr(sp1 + 1, sp2 - sp1 - 1)).c_str(), nullptr, 10));
        res.reason = sp2 == std::string_view::npos ? "" : std::string(line.substr(sp2 + 1));
        for (auto pos = line_end + 2; pos < head.size();) {
            auto next = head.find("\r\n", pos);
            auto field = head.substr(pos, next - pos);
            auto colon = field.find(':');
            if (colon != std::string_view::npos)
                res.headers.emplace_back(std::string(field.substr(0, colon)),
                                         std::string(trim_ows(field.substr(colon + 1))));
            pos = next + 2;
        }
        in.unread.erase(0, end + 4);
        if (res.status / 100 != 1 || res.status == 101) break;
    }

    auto deliver = [&](std::string_view piece) {
        res.body_bytes += piece.size();
        if (sink) sink(piece);
        else res.body.append(piece);
    };
    if (no_body || res.status / 100 == 1 || res.status == 204 || res.status == 304) return res;
    auto te = res.header("Transfer-Encoding");
    auto cl = res.header("Content-Length");
    if (te && contains_token(*te, "chunked")) {
        res.chunked = true;
        for (;;) {
            auto size_line = in.read_line();
            char* size_end = nullptr;
            auto size = std::strtoull(size_line.c_str(), &size_end, 16);
            if (size_end == size_line.c_str()) throw std::runtime_error("bad chunk size line");
            if (size == 0) {
                while (!in.read_line().empty()) {
                }  // trailer fields
                break;
            }
            in.take(size, deliver);
            if (!in.read_line().empty()) throw std::runtime_error("chunk data not followed by CRLF");
        }
    } else if (cl) {
        in.take(std::strtoull(cl->c_str(), nullptr, 10), deliver);
    } else {
        res.until_close = true;
        for (;;) {
            if (!in.unread.empty()) {
                deliver(in.unread);
                in.unread.clear();
            }
            if (!in.fill()) break;
        }
    }
    return res;
}

std::string raw_client::read_some(std::size_t max) {
    auto& in = *impl_;
    if (in.unread.empty() && !in.fill()) throw std::runtime_error("connection closed");
    auto out = in.unread.substr(0, max);
    in.unread.erase(0, out.size());
    return out;
}

std::string raw_client::read_exact(std::size_t n) {
    std::string out;
    impl_->take(n, [&](std::string_view piece) { out.append(piece); });
    return out;
}

bool raw_client::closed_by_peer(std::chrono::milliseconds within) {
    auto& in = *impl_;
    auto deadline = clock_type::now() + within;
    for (;;) {
        in.unread.clear();
        if (in.closed) return true;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                          clock_type::now());
        if (left.count() <= 0) return false;
        auto ec = in.read_more(left);
        if (in.closed) return true;
        if (ec == net::error::timed_out) return false;
        if (ec) return true;  // any other failure also means the connection is gone
    }
}

bool connection_refused(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    int err = errno;
    ::close(fd);
    return rc != 0 && err == ECONNREFUSED;
}

std::string simple_request(std::string_view method, std::string_view target,
                           std::string_view fields, std::string_view body) {
    std::string out = std::string(method) + " " + std::string(target) +
                      " HTTP/1.1\r\nHost: localhost\r\n" + std::string(fields);
    if ((method != "GET" && method != "HEAD") || !body.empty())
        out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    return out + "\r\n" + std::string(body);
}

http_response fetch(transport t, std::uint16_t port, const std::string& ca_file,
                    std::string_view request) {
    raw_client c{t, port, ca_file};
    c.send(request);
    return c.read_response();
}

}  // namespace gangway::integration
