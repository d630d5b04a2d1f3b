#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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
    // The longest the event loop polls for new events each time it runs out of work, while its
    // polling trials say most such gaps are short (gateway/server/event_loop.hpp); 0: never
    // polls. Only with one worker thread (with more, the default is no polling).
    std::chrono::microseconds idle_poll{20};
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
    std::vector<std::string> api_prefixes;     // paths whose requests are always AJAX/API
    std::vector<std::string> public_prefixes;  // proxied without a session (assets, landing)
    std::vector<std::string> signup_prefixes{"/signup"};  // redirected to sites.signup_site
    std::string login_path = "/login";
    std::string logout_path = "/logout";                    // POST ends the session here
    std::string forgot_path = "/forgot-password";           // the reset request form
};

// This site's MySQL/MariaDB database (gangway's own tables live next to the app's).
struct database_config {
    std::string host = "127.0.0.1";
    std::uint16_t port = 3306;
    std::string unix_socket;  // when set, used instead of host:port
    std::string user;
    std::string password;  // from password_file or password_env; never logged
    std::string name;      // the schema (database) name
    std::size_t pool_size = 4;  // connections, each with its own worker thread
    std::chrono::milliseconds connect_timeout{3'000};
    std::chrono::milliseconds query_timeout{5'000};
    bool operator==(const database_config&) const = default;
};

// One site of the deployment (PRODUCT.md "Words"). Site names are 1..64 of a-z 0-9 _ -.
struct site_entry {
    std::string name;
    std::string origin;    // "https://host[:port]", no path: where users of this site go
    std::string peer_url;  // base URL of that site's gateway for /_gangway/peer/v1 (login issue)
    // [sites.NAME.database]: that site's database, for `gangway migrate --to NAME`. Never set
    // for this gateway's own site (that is [database]).
    std::optional<database_config> database{};
    bool operator==(const site_entry&) const = default;
};

struct sites_config {
    std::string self;                 // this gateway's site name; must be one of entries
    std::vector<site_entry> entries;  // every site, this one included, in config order
    std::string signup_site;          // where /signup... goes; defaults to self
    const site_entry* find(std::string_view name) const {
        for (const auto& e : entries)
            if (e.name == name) return &e;
        return nullptr;
    }
};

struct placement_config {
    // How often each instance asks the database for placement changes; a change is seen by
    // every live instance within about this bound.
    std::chrono::milliseconds refresh_interval{100};
    std::chrono::milliseconds heartbeat_interval{100};
    // While the database is unreachable, known active accounts keep being served from the
    // cache for this long; after it, every account fails closed (503) until it answers.
    std::chrono::milliseconds stale_serve{10'000};
    // An instance whose heartbeat is older than this is presumed dead and is not waited for
    // by the fence. Must exceed stale_serve, so an instance cut off from the database has
    // stopped serving from its cache before the fence stops waiting for it.
    std::chrono::milliseconds instance_ttl{15'000};
    std::chrono::milliseconds fence_timeout{30'000};  // accounts lock: wait for the fence
    unsigned lock_retry_after_s = 5;  // Retry-After on lock answers
};

struct session_config {
    std::string cookie_name = "__Host-gangway";
    std::chrono::seconds ttl{12 * 3600};
    // Keys file (`gangway keys generate`): one "<key id> <base64 key>" per line, newest first;
    // the first seals, every one opens. Never logged.
    std::string keys_file;
    // HMAC keys for the identity assertion header the upstream verifies; same file format.
    std::string assertion_keys_file;
};

// The login flow (issue 4): where the site's users are, what a login may cost, how hard it is
// throttled. Read with [database]; the table and column names are SQL identifiers.
struct login_config {
    std::string users_table = "auth_user";
    std::string email_column = "email";
    std::string password_column = "password";  // the stored hash (bcrypt, pbkdf2_sha256, argon2)
    std::string user_id_column = "id";
    std::string account_id_column = "account_id";
    std::string active_column;  // optional boolean column; empty: every user may log in
    std::size_t max_email_bytes = 254;
    std::size_t max_password_bytes = 1024;
    unsigned hash_workers = 2;         // threads verifying passwords
    std::size_t hash_queue = 64;       // verifications waiting before logins get 503
    double ip_rate_per_min = 30;       // failed logins refilled per minute, per client IP
    unsigned ip_burst = 30;
    double email_rate_per_min = 10;    // per email, wherever the attempts come from
    unsigned email_burst = 10;
    bool throttle_shadow = false;      // count what would be limited, limit nothing
    std::chrono::seconds handoff_ttl{30};  // 1..60
    std::string reset_path = "/password-reset/";  // the upstream app's reset endpoint (POST)
    // Keys that seal envelopes between the sites' gateways; same format as the session keys,
    // the same file on every site.
    std::string peer_keys_file;
    // CA bundle (PEM) the peer gateways' certificates are verified against; empty: the
    // system's trust store.
    std::string peer_ca_file;
    std::chrono::milliseconds peer_timeout{5'000};  // one whole call to a peer gateway
    // Every failed login is answered no sooner than this after its request arrived, so that
    // unknown emails, wrong passwords and accounts on other sites take the same time. Keep it
    // above the slowest failure (a peer's hash plus the round trip).
    std::chrono::milliseconds failure_answer{400};
    std::size_t max_form_bytes = 8 * 1024;  // login, logout and reset form bodies
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
    sites_config sites;
    std::optional<database_config> database;  // absent: plain proxy, no per-account routing
    placement_config placement;
    session_config session;
    login_config login;
    log_config log;
};

using config_ptr = std::shared_ptr<const config>;

}  // namespace gangway
