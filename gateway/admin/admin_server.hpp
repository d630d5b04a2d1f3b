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
};

struct admin_reply {
    unsigned status = 200;
    std::string content_type = "application/json";
    std::string body;
};

// The admin listener's routes. /healthz and /readyz answer without a token; everything else
// needs `Authorization: Bearer <admin token>`, compared in constant time. Later features add
// routes with add_route().
class admin_routes {
public:
    using handler = std::function<admin_reply(const admin_request&)>;

    explicit admin_routes(runtime& rt);

    void add_route(std::string method, std::string path, bool needs_token, handler h);
    admin_reply dispatch(const admin_request& req, std::string_view authorization) const;

private:
    struct route {
        std::string method;
        std::string path;
        bool needs_token;
        handler h;
    };

    bool token_ok(std::string_view authorization) const;

    runtime& rt_;
    std::vector<route> routes_;
};

// Serves one admin connection (plain HTTP/1.1 on loopback or a private network; small
// bodies only) until it closes.
boost::asio::awaitable<void> serve_admin_connection(const admin_routes& routes, runtime& rt,
                                                    boost::asio::ip::tcp::socket socket);

}  // namespace gangway
