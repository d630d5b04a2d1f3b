#pragma once

#include <utility>  // Asio 1.18's awaitable.hpp needs it first

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

namespace gangway {

// The client one gateway uses to call another site's gateway (server-to-server login
// hand-over: POST <peer_url>/_gangway/peer/v1/login with a sealed envelope as body, a sealed
// envelope back). One request per connection ("Connection: close"); pooling connections to a
// peer is a later improvement if hand-overs ever become frequent enough to matter.

// The Content-Type of every request body: sealed envelopes are base64url text.
inline constexpr std::string_view peer_body_content_type = "text/plain";

struct peer_call_result {
    // connect_failed and tls_failed: the request was never sent, so a retry cannot repeat it.
    // timeout and bad_response: the peer may have received and acted on it.
    enum class status {
        ok,              // a complete response arrived; http_status says which (3xx included:
                         // redirects are never followed)
        bad_url,         // the base URL or path is malformed, or http:// to a non-loopback host
        connect_failed,  // the name did not resolve, or no address accepted the connection
        tls_failed,      // handshake failed: certificate chain, host name, protocol
        timeout,         // the call's one deadline passed (resolve to last body byte)
        bad_response,    // not HTTP/1.x, unframed or cut short, or the connection failed mid-call
        too_large,       // the head or body is past its bound
    };
    status what = status::ok;
    unsigned http_status = 0;  // when ok
    std::string body;          // when ok
    std::string detail;        // why, when not ok: safe to log (never the request or response body)
};

// The name of a status as logs and counters use it: "ok", "bad_url", "connect_failed", ...
std::string_view peer_call_status_name(peer_call_result::status s);

// Where one call goes. A pure function of the configured peer_url and the path.
struct peer_target {
    bool tls = true;
    std::string host;            // lower case; an IPv6 address without brackets
    std::uint16_t port = 0;      // 443 or 80 unless the URL names one
    std::string host_header;     // the Host field: host, bracketed if IPv6, ":port" if not default
    std::string target;          // the URL's path prefix (no trailing '/') followed by `path`
    bool loopback_name = false;  // "localhost" or "*.localhost": connects to 127.0.0.1 unresolved
};

// Parses base_url = "https://host[:port][/prefix]" and path = "/..." into a target, or says
// what is wrong (a short phrase that never quotes the URL). host is a DNS name, an IPv4 address
// or a bracketed IPv6 address; no userinfo, query or fragment; visible ASCII only.
//
// http:// is accepted only for loopback hosts (localhost, *.localhost, 127.0.0.0/8, [::1]), the
// same rule as config's peer_url: the body is a sealed envelope either way, and loopback
// traffic never leaves the machine (tests, the demo). Anything else must be https://.
std::variant<peer_target, std::string> parse_peer_target(std::string_view base_url,
                                                         std::string_view path);

// Thread-safe: post() may run from several I/O threads at once; the TLS context is shared and
// only read after construction. Must outlive the calls it makes.
class peer_client {
public:
    // ca_file: a PEM CA bundle peers' certificates must chain to; empty = the system's default
    // trust store. Throws std::runtime_error naming the file when it cannot be loaded, and
    // std::invalid_argument for a timeout that is not positive.
    explicit peer_client(const std::string& ca_file,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5),
                         std::size_t max_response_bytes = 64 * 1024);

    // POSTs `body` to base_url + path (see parse_peer_target) and reads the response, all within
    // one deadline of `timeout` from the start of the call. https:// verifies the chain against
    // the trust given at construction and the certificate's names against the URL's host (SNI
    // sent for names), TLS 1.2 or later. "localhost" and "*.localhost" connect to 127.0.0.1
    // without asking the resolver (RFC 6761 §6.3); the certificate check still uses the name.
    //
    // Never throws for anything the network or the peer does; every outcome is in the result.
    // Logs nothing: the caller logs the outcome with its request id. The views are read when
    // the awaitable is first awaited, so they must stay valid until then.
    boost::asio::awaitable<peer_call_result> post(std::string_view base_url, std::string_view path,
                                                  std::string body) const;

private:
    boost::asio::awaitable<peer_call_result> call(peer_target to, std::string body) const;

    std::shared_ptr<boost::asio::ssl::context> tls_;
    std::chrono::milliseconds timeout_;
    std::size_t max_response_bytes_;
};

}  // namespace gangway
