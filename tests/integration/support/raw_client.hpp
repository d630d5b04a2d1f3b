#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// A blocking HTTP/1.x client for integration tests: it sends exactly the bytes it is given
// (so malformed requests reach the gateway unchanged) and parses what comes back. Every read
// and write has a deadline; nothing waits forever.
namespace gangway::integration {

enum class transport { plain, tls };

// "Plain" / "Tls": for parameterized test names.
std::string transport_name(transport t);
void PrintTo(transport t, std::ostream* os);

struct http_response {
    unsigned status = 0;
    std::string version;  // "HTTP/1.1"
    std::string reason;
    std::vector<std::pair<std::string, std::string>> headers;  // in order, values trimmed
    std::string body;            // empty when a body sink took the bytes
    std::uint64_t body_bytes = 0;  // body bytes received, with or without a sink
    bool chunked = false;        // the body came with chunked framing
    bool until_close = false;    // the body was delimited by the connection closing

    // First value of field `name` (case-insensitive), nullopt when absent.
    std::optional<std::string> header(std::string_view name) const;
    std::size_t header_count(std::string_view name) const;
};

// Thrown when a read or write does not finish before its deadline.
struct io_timeout : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class raw_client {
public:
    using body_sink = std::function<void(std::string_view)>;

    // Connects to 127.0.0.1:port. For tls, completes a handshake that verifies the server's
    // certificate against `ca_file` for the name "localhost". `io_timeout` bounds each single
    // read, write or handshake. Throws std::runtime_error when the connection cannot be made.
    // `source_ip` (e.g. "127.0.0.2": all of 127/8 is loopback) binds the client's end, so a
    // test can speak as several client addresses.
    raw_client(transport t, std::uint16_t port, const std::string& ca_file = {},
               std::chrono::milliseconds io_timeout = std::chrono::seconds(10),
               const std::string& source_ip = {});
    ~raw_client();
    raw_client(raw_client&&) noexcept;
    raw_client& operator=(raw_client&&) noexcept;

    // Writes all of `bytes`. send() throws on failure; try_send() returns false instead (the
    // peer may legitimately have closed, e.g. after refusing a request mid-upload).
    void send(std::string_view bytes);
    bool try_send(std::string_view bytes);

    // Reads one response, skipping 1xx other than 101. The body is framed by chunked encoding,
    // Content-Length or the connection closing, in that order of precedence; `no_body` says
    // the request was HEAD. With a sink, body bytes go to it as they arrive instead of into
    // http_response::body. Throws io_timeout, or std::runtime_error when the connection closes
    // before the response is complete.
    http_response read_response(const body_sink& sink = {}, bool no_body = false);

    // Raw bytes, for upgraded connections: at least one byte, at most `max`; throws on close.
    std::string read_some(std::size_t max = 64 * 1024);
    std::string read_exact(std::size_t n);

    // True when the peer closes the connection (EOF, TLS close, or reset) within `within`;
    // bytes that arrive before the close are discarded. False when it is still open then.
    bool closed_by_peer(std::chrono::milliseconds within = std::chrono::seconds(5));

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// True when a TCP connection to 127.0.0.1:port is refused (nothing listens there).
bool connection_refused(std::uint16_t port);

// "METHOD target HTTP/1.1", "Host: localhost", then `fields` (each ending in CRLF), then
// Content-Length for any method but GET and HEAD or for a non-empty body, the empty line and
// the body.
std::string simple_request(std::string_view method, std::string_view target,
                           std::string_view fields = {}, std::string_view body = {});

// One request on a fresh connection: sends `request`, returns the response.
http_response fetch(transport t, std::uint16_t port, const std::string& ca_file,
                    std::string_view request);

}  // namespace gangway::integration
