#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

// Typed, validated gateway configuration. Built once by load_config(), then shared as
// std::shared_ptr<const config> and never mutated: a reload builds a new one.
namespace gangway {

struct listen_address {
    std::string host;    // numeric IPv4/IPv6 or "localhost"
    std::uint16_t port;  // 0 asks the kernel for a free port (tests)
};

struct tls_listener_config {
    listen_address listen;
    std::string cert_file;  // PEM chain, leaf first
    std::string key_file;   // PEM private key; never logged
};

struct plain_listener_config {
    listen_address listen;
};

struct server_config {
    std::string instance_id;      // defaults to host name + pid
    unsigned worker_threads = 1;  // I/O threads running the one io_context
    std::optional<tls_listener_config> tls;
    std::optional<plain_listener_config> plain;
};

struct admin_config {
    listen_address listen{"127.0.0.1", 9901};
    // The bearer token that guards everything but /healthz and /readyz. Read from
    // token_file or the environment variable token_env at load time; never logged.
    std::string token;
};

struct limits_config {
    std::size_t max_header_bytes = 16 * 1024;  // request line + headers
    std::size_t max_header_count = 100;
    std::size_t max_url_bytes = 8 * 1024;
    std::uint64_t max_body_bytes = 1024ull * 1024 * 1024 * 4;  // per request, streamed
    std::size_t max_response_header_bytes = 64 * 1024;
};

struct timeouts_config {
    std::chrono::milliseconds tls_handshake{10'000};
    std::chrono::milliseconds header_read{10'000};
    std::chrono::milliseconds body_read{30'000};  // between two body reads, not total
    std::chrono::milliseconds upstream_connect{3'000};
    std::chrono::milliseconds upstream_response{60'000};
    std::chrono::milliseconds idle{60'000};  // keep-alive wait for the next request
    std::chrono::milliseconds drain{30'000};  // SIGTERM: how long in-flight requests may take
};

struct upstream_server {
    std::string host;
    std::uint16_t port;
};

struct upstream_config {
    std::vector<upstream_server> servers;
    std::size_t max_idle_per_server = 64;  // keep-alive connections kept per server
    unsigned max_fails = 1;                // connect failures before a server is marked down
    std::chrono::milliseconds fail_timeout{10'000};  // how long a down server is skipped
    std::vector<std::string> websocket_paths;        // path prefixes allowed to Upgrade
};

struct identity_config {
    // Header names the gateway sets for the upstream; any client-sent copy is stripped.
    std::vector<std::string> header_names{"X-Gangway-User-Id", "X-Gangway-Account-Id",
                                          "X-Gangway-Email", "X-Gangway-Assertion"};
};

struct routing_config {
    std::vector<std::string> api_prefixes;  // paths whose requests are always AJAX/API
};

struct log_config {
    std::string level = "info";       // trace|debug|info|warn|error|off
    std::string access_log = "stdout";  // "stdout", "off", or a file path
};

struct config {
    std::string source_path;  // the file it was loaded from (for reload)
    server_config server;
    admin_config admin;
    limits_config limits;
    timeouts_config timeouts;
    upstream_config upstream;
    identity_config identity;
    routing_config routing;
    log_config log;
};

using config_ptr = std::shared_ptr<const config>;

}  // namespace gangway
