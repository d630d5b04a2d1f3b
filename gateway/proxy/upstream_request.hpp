#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/beast/http/field.hpp>

#include "common/config/config.hpp"
#include "common/http/head_fields.hpp"
#include "common/http/response_head.hpp"

namespace gangway {

// What the gateway knows about the client connection that the upstream should learn.
struct forwarding_facts {
    std::string_view client_ip;
    bool tls = false;
    std::string_view request_id;  // already validated or freshly made
    bool keep_upgrade = false;    // a WebSocket upgrade on an allowed path
};

// What the router changes in the upstream request besides the rebuild: the Cookie header
// without the session cookie, and the identity headers. It offers the part of Beast's field
// interface that account_router's templates use (operator[], set, erase), recording the
// changes for write_upstream_request_head instead of editing a field store. Names passed to
// set() must outlive the edits (the router passes config strings and Beast's field names).
class upstream_request_edits {
public:
    explicit upstream_request_edits(const head_fields& client) : client_(&client) {}

    // Starts over for the next request's `client` fields. The lists and the value strings
    // keep their room: a connection keeps one edits object for all its requests, so the
    // router's edits allocate only on its first.
    void reset(const head_fields& client);

    // The value the upstream will get for this field (the first one), empty when none.
    std::string_view operator[](boost::beast::http::field f) const;
    // Replaces every client field of this name; the new one goes after the gateway's fields.
    // `value` is copied (it may be one this object holds).
    void set(boost::beast::http::field f, std::string_view value);
    void set(std::string_view name, std::string_view value);
    // Removes every field of this name.
    void erase(boost::beast::http::field f);

    // Whether a client field of this name is replaced or removed.
    bool drops(std::string_view name) const noexcept;
    const std::vector<std::pair<std::string_view, std::string>>& added() const noexcept {
        return added_;
    }

private:
    void erase_name(std::string_view name);
    void reserve_once();

    const head_fields* client_;
    std::vector<std::string_view> dropped_;
    std::vector<std::pair<std::string_view, std::string>> added_;
    std::vector<std::string> spare_;  // strings of earlier values, emptied, with their room
};

// Writes the head sent upstream for the client's request `in` into `out`, in one pass over
// the client's fields:
//   "METHOD target HTTP/1.1", then every client field except hop-by-hop ones (RFC 9110 7.6.1
//   and the legacy ones), fields named in Connection, Content-Length/Transfer-Encoding, Expect
//   (the gateway answers 100-continue itself), Forwarded, client copies of X-Forwarded-For/
//   -Proto/-Host, X-Real-IP, X-Request-Id and of the configured identity headers;
//   then X-Forwarded-For/-Proto/-Host and X-Request-Id from `facts`, Connection: upgrade and
//   Upgrade when the upgrade is allowed, what `edits` replaced or added, and fresh framing:
//   Content-Length when the client sent one, Transfer-Encoding: chunked for a chunked body.
// HTTP/1.1 without Connection: close, so the upstream connection stays reusable.
void write_upstream_request_head(const request_head_view& in, std::string_view target,
                                 const forwarding_facts& facts, const identity_config& identity,
                                 const upstream_request_edits* edits, std::string& out);

// How the head relayed to the client frames its body and its connection.
struct client_response_framing {
    bool tunnel = false;  // a 101 to an allowed upgrade: Connection: upgrade and Upgrade kept
    std::optional<std::uint64_t> content_length;
    bool chunked = false;
    bool keep_alive = true;
    bool http10_client = false;  // a kept-alive HTTP/1.0 client gets Connection: keep-alive
};

// Writes the head relayed to the client for the upstream's answer `in` into `out`:
// "HTTP/1.1 status reason" (the standard reason when the upstream sent none), every upstream
// field except hop-by-hop ones, fields named in Connection, framing and X-Request-Id; then
// Upgrade (and Connection: upgrade) for a tunnel, X-Request-Id, the framing, and Connection:
// close or keep-alive as `framing` says.
void write_client_response_head(const response_head_view& in, std::string_view request_id,
                                const client_response_framing& framing, std::string& out);

// True for 1..128 characters of [A-Za-z0-9._:-]: safe to log and to pass on.
bool well_formed_request_id(std::string_view id) noexcept;

// 32 lowercase hex characters from a fast per-thread generator (not a secret).
std::string new_request_id();
// The same, into `id` (its room reused).
void new_request_id(std::string& id);

}  // namespace gangway
