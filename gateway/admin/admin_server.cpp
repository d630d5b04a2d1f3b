#include "gateway/admin/admin_server.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <nlohmann/json.hpp>

#include "gateway/server/runtime.hpp"

namespace gangway {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr std::size_t admin_body_limit = 64 * 1024;
constexpr auto admin_io_timeout = std::chrono::seconds(30);

admin_reply json_reply(unsigned status, const nlohmann::json& body) {
    return {status, "application/json", body.dump() + "\n"};
}

admin_reply error_reply(unsigned status, std::string_view reason) {
    return json_reply(status, {{"error", reason}});
}

// Constant time whatever the lengths: both sides are hashed first.
bool same_secret(std::string_view a, std::string_view b) {
    unsigned char da[SHA256_DIGEST_LENGTH];
    unsigned char db[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(a.data()), a.size(), da);
    SHA256(reinterpret_cast<const unsigned char*>(b.data()), b.size(), db);
    return CRYPTO_memcmp(da, db, sizeof da) == 0;
}

}  // namespace

admin_routes::admin_routes(runtime& rt) : rt_(rt) {
    add_route("GET", "/healthz", false, [](const admin_request&) {
        return admin_reply{200, "text/plain", "ok\n"};
    });
    add_route("GET", "/readyz", false, [&rt](const admin_request&) {
        return rt.draining() ? admin_reply{503, "text/plain", "draining\n"}
                             : admin_reply{200, "text/plain", "ready\n"};
    });
    add_route("GET", "/metrics", true, [&rt](const admin_request&) {
        return admin_reply{200, "text/plain; version=0.0.4", rt.metrics().text()};
    });
    add_route("POST", "/admin/v1/reload", true, [&rt](const admin_request&) {
        auto outcome = rt.reload();
        return json_reply(outcome.applied ? 200 : 422,
                          {{"applied", outcome.applied}, {"errors", outcome.errors}});
    });
}

void admin_routes::add_route(std::string method, std::string path, bool needs_token, handler h) {
    routes_.push_back({std::move(method), std::move(path), needs_token, std::move(h)});
}

bool admin_routes::token_ok(std::string_view authorization) const {
    constexpr std::string_view scheme = "Bearer ";
    if (authorization.substr(0, scheme.size()) != scheme) return false;
    return same_secret(authorization.substr(scheme.size()), rt_.current()->cfg->admin.token);
}

admin_reply admin_routes::dispatch(const admin_request& req, std::string_view authorization) const {
    bool path_known = false;
    for (const auto& r : routes_) {
        if (r.path != req.path) continue;
        path_known = true;
        if (r.method != req.method) continue;
        if (r.needs_token && !token_ok(authorization)) return error_reply(401, "unauthorized");
        return r.h(req);
    }
    if (!token_ok(authorization)) return error_reply(401, "unauthorized");
    return path_known ? error_reply(405, "method_not_allowed") : error_reply(404, "not_found");
}

net::awaitable<void> serve_admin_connection(const admin_routes& routes, runtime& rt,
                                            net::ip::tcp::socket socket) {
    beast::tcp_stream stream{std::move(socket)};
    beast::flat_buffer buffer;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(16 * 1024);
        parser.body_limit(admin_body_limit);
        beast::error_code ec;
        stream.expires_after(admin_io_timeout);
        co_await http::async_read(stream, buffer, parser, net::redirect_error(net::use_awaitable, ec));
        if (ec) co_return;
        auto& req = parser.get();
        std::string_view target = req.target();
        auto q = target.find('?');
        admin_request ar{std::string(req.method_string()), std::string(target.substr(0, q)),
                         q == std::string_view::npos ? "" : std::string(target.substr(q + 1)),
                         req.body()};
        auto reply = routes.dispatch(ar, req[http::field::authorization]);
        http::response<http::string_body> res{static_cast<http::status>(reply.status), 11};
        res.set(http::field::content_type, reply.content_type);
        res.set(http::field::cache_control, "no-store");
        res.body() = std::move(reply.body);
        res.keep_alive(req.keep_alive() && !rt.draining());
        res.prepare_payload();
        co_await http::async_write(stream, res, net::redirect_error(net::use_awaitable, ec));
        if (ec || !res.keep_alive()) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
}

}  // namespace gangway
