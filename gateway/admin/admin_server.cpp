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

#include "gateway/server/account_services.hpp"
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

// With per-account routing: not ready until the placement cache has loaded, or once it has
// been cut off from the database for longer than stale_serve_ms (every account fails closed
// then); "degraded" (still 200) while known active accounts are served from a stale cache.
admin_reply readiness(runtime& rt) {
    auto* accounts = rt.accounts();
    if (!accounts) return {200, "text/plain", "ready\n"};
    const auto& p = rt.current()->cfg->placement;
    const auto now = std::chrono::steady_clock::now();
    const auto age = accounts->cache().age_ms(now);
    switch (accounts->cache().health(now, fresh_bound(p.refresh_interval),
                                     p.stale_serve)) {
        case cache_health::fresh:
            return {200, "text/plain", "ready\n"};
        case cache_health::stale:
            return {200, "text/plain",
                    "degraded: database unreachable for " + std::to_string(age) +
                        " ms; serving known active accounts from the placement cache\n"};
        case cache_health::expired:
            break;
    }
    return {503, "text/plain",
            age < 0 ? std::string("not ready: placement not loaded yet\n")
                    : "not ready: database unreachable for " + std::to_string(age) + " ms\n"};
}

}  // namespace

admin_routes::admin_routes(runtime& rt) : rt_(rt) {
    add_route("GET", "/healthz", false, [](const admin_request&) {
        return admin_reply{200, "text/plain", "ok\n"};
    });
    add_route("GET", "/readyz", false, [&rt](const admin_request&) {
        if (rt.draining()) return admin_reply{503, "text/plain", "draining\n"};
        return readiness(rt);
    });
    add_route("GET", "/metrics", true, [&rt](const admin_request&) {
        if (auto* accounts = rt.accounts()) {
            const auto& cache = accounts->cache();
            rt.metrics().set_placement({static_cast<double>(cache.age_ms(std::chrono::steady_clock::now())),
                                        static_cast<double>(cache.size()),
                                        static_cast<double>(cache.bytes()),
                                        static_cast<double>(accounts->version_seen()),
                                        accounts->database_reachable()});
        }
        rt.metrics().publish_event_loop();
        return admin_reply{200, "text/plain; version=0.0.4", rt.metrics().text()};
    });
    add_route("POST", "/admin/v1/reload", true, [&rt](const admin_request&) {
        auto outcome = rt.reload();
        return json_reply(outcome.applied ? 200 : 422,
                          {{"applied", outcome.applied}, {"errors", outcome.errors}});
    });
}

void admin_routes::add_route(std::string method, std::string path, bool needs_token, handler h) {
    routes_.push_back({std::move(method), std::move(path), needs_token, std::move(h), {}});
}

void admin_routes::add_async_route(std::string method, std::string path, bool needs_token,
                                   async_handler h) {
    routes_.push_back({std::move(method), std::move(path), needs_token, {}, std::move(h)});
}

bool admin_routes::token_ok(std::string_view authorization) const {
    constexpr std::string_view scheme = "Bearer ";
    if (authorization.substr(0, scheme.size()) != scheme) return false;
    return same_secret(authorization.substr(scheme.size()), rt_.current()->cfg->admin.token);
}

bool admin_routes::matches(const route& r, admin_request& req) {
    constexpr std::string_view param = "{}";
    std::string_view pattern = r.path;
    if (pattern.size() < param.size() || pattern.substr(pattern.size() - param.size()) != param)
        return r.path == req.path;
    const std::string_view prefix = pattern.substr(0, pattern.size() - param.size());
    const std::string_view path = req.path;
    if (path.size() <= prefix.size() || path.substr(0, prefix.size()) != prefix) return false;
    const std::string_view segment = path.substr(prefix.size());
    if (segment.find('/') != std::string_view::npos) return false;
    req.path_param = std::string(segment);
    return true;
}

net::awaitable<admin_reply> admin_routes::dispatch(admin_request req,
                                                   std::string authorization) const {
    bool path_known = false;
    for (const auto& r : routes_) {
        if (!matches(r, req)) continue;
        path_known = true;
        if (r.method != req.method) continue;
        if (r.needs_token && !token_ok(authorization)) co_return error_reply(401, "unauthorized");
        if (r.async_h) co_return co_await r.async_h(std::move(req));
        co_return r.h(req);
    }
    if (!token_ok(authorization)) co_return error_reply(401, "unauthorized");
    co_return path_known ? error_reply(405, "method_not_allowed") : error_reply(404, "not_found");
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
                         req.body(), {}};
        // Named, not temporaries inside the co_await: GCC 12 mishandles the lifetime of
        // temporaries that own memory in a co_await expression.
        std::string authorization(req[http::field::authorization]);
        auto reply = co_await routes.dispatch(std::move(ar), std::move(authorization));
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
