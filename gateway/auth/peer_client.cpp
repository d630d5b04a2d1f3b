#include "gateway/auth/peer_client.hpp"

#include <utility>

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "gateway/proxy/io_watchdog.hpp"

namespace gangway {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;
using status = peer_call_result::status;

namespace {

// A peer gateway's answer head is a few short fields; 16 KiB is generous.
constexpr std::uint32_t max_response_head_bytes = 16 * 1024;
// Bytes read from the connection but not yet parsed. Beast reads at most 64 KiB at a time and
// the parser moves body bytes out as they arrive, so only a head that never ends could fill it
// (and header_limit stops that first).
constexpr std::size_t max_read_buffer_bytes = 64 * 1024;

auto use_ec(beast::error_code& ec) { return net::redirect_error(net::use_awaitable, ec); }

peer_call_result failure(status what, std::string detail) {
    return {what, 0, {}, std::move(detail)};
}

// ---- the URL ---------------------------------------------------------------------------------

bool is_visible_ascii(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

std::string lower_case(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// 1..253 characters of dot-separated labels, each 1..63 of a-z 0-9 - not starting or ending
// with '-'. `s` is already lower case.
bool is_dns_name(std::string_view s) {
    if (s.empty() || s.size() > 253) return false;
    std::size_t start = 0;
    while (start <= s.size()) {
        auto end = std::min(s.find('.', start), s.size());
        auto label = s.substr(start, end - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
            return false;
        for (char c : label)
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
        start = end + 1;
    }
    return true;
}

// RFC 6761 §6.3: these names are loopback by definition, whatever a resolver would say.
bool is_loopback_name(std::string_view host) {
    constexpr std::string_view suffix = ".localhost";
    return host == "localhost" ||
           (host.size() > suffix.size() && host.substr(host.size() - suffix.size()) == suffix);
}

bool is_ip_literal(const std::string& host) {
    boost::system::error_code ec;
    net::ip::make_address(host, ec);
    return !ec;
}

bool is_loopback_ip(const std::string& host) {
    boost::system::error_code ec;
    auto address = net::ip::make_address(host, ec);
    return !ec && address.is_loopback();
}

// ---- name lookup -------------------------------------------------------------------------------

// A name lookup the call's deadline can abandon. Asio runs getaddrinfo on a private thread and
// cannot interrupt it: cancel() takes effect only once getaddrinfo returns, so awaiting
// async_resolve directly would let a stuck DNS server hold the call past its deadline. The
// lookup therefore runs as its own coroutine that owns this state, and the call waits on
// `finished`, a timer that expires at the deadline and that the lookup cancels when it is done.
// Both run on the call's strand.
struct pending_lookup {
    explicit pending_lookup(const net::any_io_executor& executor)
        : resolver(executor), finished(executor) {}
    tcp::resolver resolver;
    net::steady_timer finished;
    bool done = false;
    beast::error_code ec;
    std::vector<tcp::endpoint> endpoints;
};

net::awaitable<void> run_lookup(std::shared_ptr<pending_lookup> lookup, std::string host,
                                std::string port) {
    auto results = co_await lookup->resolver.async_resolve(
        host, port, tcp::resolver::numeric_service, use_ec(lookup->ec));
    for (const auto& entry : results) lookup->endpoints.push_back(entry.endpoint());
    lookup->done = true;
    lookup->finished.cancel();
}

using endpoints_or_failure = std::variant<std::vector<tcp::endpoint>, peer_call_result>;

net::awaitable<endpoints_or_failure> find_endpoints(const peer_target& to,
                                                    clock_type::time_point deadline) {
    if (to.loopback_name)
        co_return std::vector<tcp::endpoint>{{net::ip::address_v4::loopback(), to.port}};
    boost::system::error_code ec;
    auto address = net::ip::make_address(to.host, ec);
    if (!ec) co_return std::vector<tcp::endpoint>{{address, to.port}};

    auto executor = co_await net::this_coro::executor;
    auto lookup = std::make_shared<pending_lookup>(executor);
    lookup->finished.expires_at(deadline);
    std::string port = std::to_string(to.port);
    net::co_spawn(executor, run_lookup(lookup, to.host, std::move(port)), net::detached);
    if (!lookup->done) {
        beast::error_code ignored;
        co_await lookup->finished.async_wait(use_ec(ignored));
    }
    if (!lookup->done) {
        lookup->resolver.cancel();
        co_return failure(status::timeout, "deadline passed while resolving the host name");
    }
    if (lookup->ec || lookup->endpoints.empty())
        co_return failure(status::connect_failed,
                          "cannot resolve the host name: " +
                              (lookup->ec ? lookup->ec.message() : std::string("no addresses")));
    co_return std::move(lookup->endpoints);
}

// ---- the exchange ------------------------------------------------------------------------------

// The failure of one step of the exchange: timeout when the deadline closed the socket.
peer_call_result step_failure(const beast::error_code& ec, status otherwise,
                              std::string_view step) {
    if (ec == beast::error::timeout)
        return failure(status::timeout, "deadline passed while " + std::string(step));
    return failure(otherwise, std::string(step) + ": " + ec.message());
}

peer_call_result handshake_failure(SSL* ssl, const beast::error_code& ec) {
    if (ec == beast::error::timeout)
        return failure(status::timeout, "deadline passed during the TLS handshake");
    // X509_V_OK also when verification never ran (the handshake failed before it).
    const long verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK)
        return failure(status::tls_failed, std::string("certificate refused: ") +
                                               X509_verify_cert_error_string(verify));
    return failure(status::tls_failed, "TLS handshake: " + ec.message());
}

peer_call_result read_failure(const beast::error_code& ec) {
    if (ec == http::error::body_limit || ec == http::error::header_limit ||
        ec == http::error::buffer_overflow)
        return failure(status::too_large, "response past its size bound: " + ec.message());
    return step_failure(ec, status::bad_response, "reading the response");
}

// SNI for names (RFC 6066 allows no IP literals there), and the name or address the
// certificate must carry, checked by OpenSSL as part of chain verification.
bool name_the_peer(SSL* ssl, const peer_target& to) {
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (is_ip_literal(to.host))
        return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), to.host.c_str()) == 1;
    return SSL_set_tlsext_host_name(ssl, to.host.c_str()) == 1 &&
           SSL_set1_host(ssl, to.host.c_str()) == 1;
}

http::request<http::string_body> make_request(const peer_target& to, std::string body) {
    http::request<http::string_body> req{http::verb::post, to.target, 11};
    req.set(http::field::host, to.host_header);
    req.set(http::field::user_agent, "gangway-peer");
    req.set(http::field::content_type, peer_body_content_type);
    req.keep_alive(false);
    req.body() = std::move(body);
    req.prepare_payload();
    return req;
}

// Connects `stream` to one of `endpoints`, shakes hands (TLS), sends `req` and reads the
// response, every step bounded by `deadline` through one watchdog.
template <class Stream>
net::awaitable<peer_call_result> exchange(Stream& stream, const peer_target& to,
                                          const std::vector<tcp::endpoint>& endpoints,
                                          clock_type::time_point deadline,
                                          http::request<http::string_body>& req,
                                          std::size_t max_body_bytes) {
    auto& socket = beast::get_lowest_layer(stream);
    io_watchdog watch(socket.get_executor());  // a local: gone before the socket it watches
    watch.arm_until(socket, deadline);
    beast::error_code ec;

    co_await net::async_connect(socket, endpoints, use_ec(ec));
    if ((ec = watch.outcome(ec))) co_return step_failure(ec, status::connect_failed, "connecting");

    if constexpr (!std::is_same_v<Stream, tcp::socket>) {
        if (!name_the_peer(stream.native_handle(), to))
            co_return failure(status::tls_failed, "cannot set the expected host name");
        co_await stream.async_handshake(ssl::stream_base::client, use_ec(ec));
        if ((ec = watch.outcome(ec))) co_return handshake_failure(stream.native_handle(), ec);
    }

    co_await http::async_write(stream, req, use_ec(ec));
    if ((ec = watch.outcome(ec)))
        co_return step_failure(ec, status::bad_response, "sending the request");

    beast::flat_buffer buffer(max_read_buffer_bytes);
    http::response_parser<http::string_body> parser;
    parser.header_limit(max_response_head_bytes);
    parser.body_limit(max_body_bytes);
    co_await http::async_read_header(stream, buffer, parser, use_ec(ec));
    if ((ec = watch.outcome(ec))) co_return read_failure(ec);
    if (parser.get().result_int() < 200)
        co_return failure(status::bad_response, "interim (1xx) response");
    // A body that ends when the connection does cannot be told apart from a cut-short one
    // (a peer closing without TLS close_notify looks the same): refused.
    if (!parser.is_done() && !parser.chunked() && !parser.content_length())
        co_return failure(status::bad_response,
                          "response without Content-Length or chunked framing");
    if (!parser.is_done()) {
        co_await http::async_read(stream, buffer, parser, use_ec(ec));
        if ((ec = watch.outcome(ec))) co_return read_failure(ec);
    }
    watch.disarm(socket);
    // No TLS shutdown: the framing already proved the response complete, and waiting for the
    // peer's close_notify would only add a round trip. Closing the socket ends the connection.
    auto res = parser.release();
    co_return peer_call_result{status::ok, res.result_int(), std::move(res.body()), {}};
}

}  // namespace

std::string_view peer_call_status_name(peer_call_result::status s) {
    switch (s) {
        case status::ok:
            return "ok";
        case status::bad_url:
            return "bad_url";
        case status::connect_failed:
            return "connect_failed";
        case status::tls_failed:
            return "tls_failed";
        case status::timeout:
            return "timeout";
        case status::bad_response:
            return "bad_response";
        case status::too_large:
            return "too_large";
    }
    return "unknown";
}

std::variant<peer_target, std::string> parse_peer_target(std::string_view base_url,
                                                         std::string_view path) {
    peer_target to;
    std::string_view rest;
    if (base_url.rfind("https://", 0) == 0) {
        rest = base_url.substr(8);
    } else if (base_url.rfind("http://", 0) == 0) {
        rest = base_url.substr(7);
        to.tls = false;
    } else {
        return std::string("base URL must start with https://");
    }
    if (!is_visible_ascii(base_url)) return std::string("base URL must be visible ASCII");
    if (base_url.find_first_of("?#@\\") != std::string_view::npos)
        return std::string("base URL must not have userinfo, query or fragment");

    const auto slash = rest.find('/');
    const auto authority = rest.substr(0, slash);
    auto prefix = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
    if (authority.empty()) return std::string("base URL has no host");

    std::string_view host;
    std::string_view port_text;
    bool has_port = false;
    bool bracketed = false;
    if (authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return std::string("unclosed '[' in host");
        host = authority.substr(1, close - 1);
        const auto after = authority.substr(close + 1);
        if (!after.empty() && after.front() != ':') return std::string("junk after ']' in host");
        has_port = !after.empty();
        if (has_port) port_text = after.substr(1);
        bracketed = true;
    } else {
        const auto colon = authority.find(':');
        host = authority.substr(0, colon);
        has_port = colon != std::string_view::npos;
        if (has_port) port_text = authority.substr(colon + 1);
    }
    to.host = lower_case(host);
    boost::system::error_code ec;
    if (bracketed) {
        net::ip::make_address_v6(to.host, ec);
        if (ec || to.host.find('%') != std::string::npos)
            return std::string("host in brackets must be an IPv6 address");
    } else {
        net::ip::make_address_v4(to.host, ec);
        if (ec && !is_dns_name(to.host))
            return std::string("host must be a DNS name or an IP address");
    }

    to.port = to.tls ? 443 : 80;
    if (has_port) {
        unsigned value = 0;
        const auto* end = port_text.data() + port_text.size();
        const auto [ptr, err] = std::from_chars(port_text.data(), end, value);
        if (port_text.empty() || port_text.size() > 5 || err != std::errc{} || ptr != end ||
            value < 1 || value > 65535)
            return std::string("port must be 1..65535");
        to.port = static_cast<std::uint16_t>(value);
    }

    if (path.empty() || path.front() != '/' || !is_visible_ascii(path) ||
        path.find('#') != std::string_view::npos)
        return std::string("path must start with '/' and be visible ASCII without '#'");

    to.loopback_name = is_loopback_name(to.host);
    if (!to.tls && !to.loopback_name && !is_loopback_ip(to.host))
        return std::string("http:// only for loopback hosts; use https://");

    to.host_header = bracketed ? "[" + to.host + "]" : to.host;
    if (to.port != (to.tls ? 443 : 80)) to.host_header += ":" + std::to_string(to.port);
    to.target = std::string(prefix) + std::string(path);
    return to;
}

peer_client::peer_client(const std::string& ca_file, std::chrono::milliseconds timeout,
                         std::size_t max_response_bytes)
    : tls_(std::make_shared<ssl::context>(ssl::context::tls_client)),
      timeout_(timeout),
      max_response_bytes_(max_response_bytes) {
    if (timeout_ <= std::chrono::milliseconds::zero())
        throw std::invalid_argument("peer call timeout must be positive");
    tls_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                      ssl::context::no_compression);
    SSL_CTX_set_min_proto_version(tls_->native_handle(), TLS1_2_VERSION);
    // The same TLS 1.2 suites our own server offers (tls_context.cpp); TLS 1.3's are all fine.
    SSL_CTX_set_cipher_list(tls_->native_handle(),
                            "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!MD5:!RC4:!3DES");
    tls_->set_verify_mode(ssl::verify_peer);
    boost::system::error_code ec;
    if (ca_file.empty()) {
        tls_->set_default_verify_paths(ec);
        if (ec) throw std::runtime_error("cannot load the system's trust store: " + ec.message());
    } else {
        // Fails for a missing or unreadable file and for one without any certificate.
        tls_->load_verify_file(ca_file, ec);
        if (ec) throw std::runtime_error("cannot load CA bundle " + ca_file + ": " + ec.message());
    }
}

net::awaitable<peer_call_result> peer_client::post(std::string_view base_url, std::string_view path,
                                                   std::string body) const {
    auto parsed = parse_peer_target(base_url, path);
    if (auto* problem = std::get_if<std::string>(&parsed))
        co_return failure(status::bad_url, std::move(*problem));
    // A strand of the call's own: the call, its lookup and its watchdog share state, and the
    // caller's executor may be an io_context that several threads run.
    auto strand = net::make_strand(co_await net::this_coro::executor);
    // Named, not a temporary inside the co_await (GCC 12, see admin_server.cpp).
    auto work = call(std::get<peer_target>(std::move(parsed)), std::move(body));
    co_return co_await net::co_spawn(strand, std::move(work), net::use_awaitable);
}

net::awaitable<peer_call_result> peer_client::call(peer_target to, std::string body) const {
    const auto deadline = clock_type::now() + timeout_;
    auto found = co_await find_endpoints(to, deadline);
    if (auto* failed = std::get_if<peer_call_result>(&found)) co_return std::move(*failed);
    const auto& endpoints = std::get<std::vector<tcp::endpoint>>(found);

    auto executor = co_await net::this_coro::executor;
    auto req = make_request(to, std::move(body));
    if (to.tls) {
        beast::ssl_stream<tcp::socket> stream(executor, *tls_);
        co_return co_await exchange(stream, to, endpoints, deadline, req, max_response_bytes_);
    }
    tcp::socket socket(executor);
    co_return co_await exchange(socket, to, endpoints, deadline, req, max_response_bytes_);
}

}  // namespace gangway
