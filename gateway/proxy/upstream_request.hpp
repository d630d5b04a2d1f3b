#pragma once

#include <memory_resource>
#include <string>
#include <string_view>

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>

#include "common/config/config.hpp"

namespace gangway {

using request_head = boost::beast::http::request_header<>;
using response_head = boost::beast::http::response_header<>;

// The heads as the proxy parses them: their fields come from an arena that lives for one
// exchange (see connection.cpp) instead of one heap allocation and one free per field.
using arena_fields = boost::beast::http::basic_fields<std::pmr::polymorphic_allocator<char>>;
using arena_request_head = boost::beast::http::request_header<arena_fields>;
using arena_response_head = boost::beast::http::response_header<arena_fields>;

// What the gateway knows about the client connection that the upstream should learn.
struct forwarding_facts {
    std::string_view client_ip;
    bool tls = false;
    std::string_view request_id;  // already validated or freshly made
    bool keep_upgrade = false;    // a WebSocket upgrade on an allowed path
};

// Turns the client's request head, in place, into the head sent upstream: removes hop-by-hop
// fields and every field named in Connection, Content-Length/Transfer-Encoding (the caller
// sets fresh framing), Expect (the gateway answers 100-continue itself), client copies of the
// forwarding headers and of the configured identity headers; then sets X-Forwarded-For/-Proto/
// -Host and X-Request-Id, HTTP/1.1 and keep-alive. An allowed upgrade keeps
// Connection: upgrade and Upgrade.
void rebuild_upstream_request(request_head& head, const forwarding_facts& facts,
                              const identity_config& identity);
void rebuild_upstream_request(arena_request_head& head, const forwarding_facts& facts,
                              const identity_config& identity);

// Removes hop-by-hop fields and framing from an upstream response head before it goes to the
// client (the caller sets fresh framing). `keep_upgrade` keeps the 101 handshake fields.
void rebuild_client_response(response_head& head, bool keep_upgrade);
void rebuild_client_response(arena_response_head& head, bool keep_upgrade);

// True for 1..128 characters of [A-Za-z0-9._:-]: safe to log and to pass on.
bool well_formed_request_id(std::string_view id) noexcept;

// 32 lowercase hex characters from a fast per-thread generator (not a secret).
std::string new_request_id();

}  // namespace gangway
