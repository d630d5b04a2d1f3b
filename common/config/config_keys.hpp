#pragma once

#include <array>
#include <span>
#include <string_view>

// Every key the config loader accepts, table by table. The loader reports any other key as
// "unknown key" against exactly these lists, and tests/unit/config_reference_test.cpp checks
// docs/configuration.md against them, so a key added here without documentation fails a test.
// A key that names a sub-table (server.tls, every sites.<name>) is listed in its parent too.
namespace gangway::config_keys {

using list = std::span<const std::string_view>;

inline constexpr std::array<std::string_view, 14> root{
    "server", "admin", "limits",   "timeouts",  "upstream", "identity", "routing",
    "site",   "sites", "database", "placement", "session",  "login",    "log"};
inline constexpr std::array<std::string_view, 5> server{"instance_id", "worker_threads",
                                                        "idle_poll_us", "tls", "plain"};
inline constexpr std::array<std::string_view, 3> server_tls{"listen", "cert_file", "key_file"};
inline constexpr std::array<std::string_view, 1> server_plain{"listen"};
inline constexpr std::array<std::string_view, 3> admin{"listen", "token_file", "token_env"};
inline constexpr std::array<std::string_view, 5> limits{
    "max_header_bytes", "max_header_count", "max_url_bytes", "max_body_bytes",
    "max_response_header_bytes"};
inline constexpr std::array<std::string_view, 7> timeouts{
    "tls_handshake_ms",     "header_read_ms", "body_read_ms", "upstream_connect_ms",
    "upstream_response_ms", "idle_ms",        "drain_ms"};
inline constexpr std::array<std::string_view, 5> upstream{
    "servers", "max_idle_per_server", "max_fails", "fail_timeout_ms", "websocket_paths"};
inline constexpr std::array<std::string_view, 1> identity{"header_names"};
inline constexpr std::array<std::string_view, 6> routing{
    "api_prefixes", "public_prefixes", "signup_prefixes", "login_path", "logout_path",
    "forgot_path"};
inline constexpr std::array<std::string_view, 2> site{"name", "signup_site"};
inline constexpr std::array<std::string_view, 3> site_entry{"origin", "peer_url", "database"};
inline constexpr std::array<std::string_view, 10> database{
    "host",         "port", "unix_socket", "user",
    "password_file", "password_env", "name", "pool_size",
    "connect_timeout_ms", "query_timeout_ms"};
inline constexpr std::array<std::string_view, 6> placement{
    "refresh_interval_ms", "heartbeat_interval_ms", "stale_serve_ms", "instance_ttl_ms",
    "fence_timeout_ms",    "lock_retry_after_s"};
inline constexpr std::array<std::string_view, 4> session{"cookie_name", "ttl_s", "keys_file",
                                                         "assertion_keys_file"};
inline constexpr std::array<std::string_view, 22> login{
    "users_table",        "email_column",    "password_column", "user_id_column",
    "account_id_column",  "active_column",   "max_email_bytes", "max_password_bytes",
    "hash_workers",       "hash_queue",      "ip_rate_per_min", "ip_burst",
    "email_rate_per_min", "email_burst",     "throttle_shadow", "handoff_ttl_s",
    "reset_path",         "peer_keys_file",  "peer_ca_file",    "peer_timeout_ms",
    "failure_answer_ms",  "max_form_bytes"};
inline constexpr std::array<std::string_view, 2> log{"level", "access_log"};

// A table's dotted path as docs/configuration.md writes it ("" is the document root;
// "sites.<name>" stands for every site's table) and the keys it accepts.
struct table {
    std::string_view path;
    list keys;
};

inline constexpr std::array<table, 18> all{{
    {"", root},
    {"server", server},
    {"server.tls", server_tls},
    {"server.plain", server_plain},
    {"admin", admin},
    {"limits", limits},
    {"timeouts", timeouts},
    {"upstream", upstream},
    {"identity", identity},
    {"routing", routing},
    {"site", site},
    {"sites.<name>", site_entry},
    {"sites.<name>.database", database},
    {"database", database},
    {"placement", placement},
    {"session", session},
    {"login", login},
    {"log", log},
}};

}  // namespace gangway::config_keys
