#pragma once

#include <utility>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace gangway {

class runtime;

struct admin_request {
    std::string method;
    std::string path;   // without query
    std::string query;  // raw, without '?'
    std::string body;
    std::string path_param;  // the last segment, for routes registered as ".../{}"
};

struct admin_reply {
    unsigned status = 200;
    std::string content_type = "application/json";
    std::string body;
};

// The admin listener's routes. /healthz and /readyz answer without a token; everything else
// needs `Authorization: Bearer <admin token>`, compared in constant time. Later features add
// routes with add_route(); a path ending in "/{}" matches one more non-empty segment, handed
// to the handler as path_param. Handlers that wait (database, fence) are coroutines.
class admin_routes {
public:
    using handler = std::function<admin_reply(const admin_request&)>;
    using async_handler = std::function<boost::asio::awaitable<admin_reply>(admin_request)>;

    explicit admin_routes(runtime& rt);

    void add_route(std::string method, std::string path, bool needs_token, handler h);
    void add_async_route(std::string method, std::string path, bool needs_token, async_handler h);
    boost::asio::awaitable<admin_reply> dispatch(admin_request req,
                                                 std::string authorization) const;

private:
    struct route {
        std::string method;
        std::string path;
        bool needs_token;
        handler h;
        async_handler async_h;
    };

    static bool matches(const route& r, admin_request& req);

    bool token_ok(std::string_view authorization) const;

    runtime& rt_;
    std::vector<route> routes_;
};

// Serves one admin connection (plain HTTP/1.1 on loopback or a private network; small
// bodies only) until it closes.
boost::asio::awaitable<void> serve_admin_connection(const admin_routes& routes, runtime& rt,
                                                    boost::asio::ip::tcp::socket socket);

}  // namespace gangway
