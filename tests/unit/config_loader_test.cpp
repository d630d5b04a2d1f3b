#include "common/config/config_loader.hpp"

#include <stdlib.h>  // mkdtemp, setenv, unsetenv (POSIX)
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace gangway {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using error_list = std::vector<std::string>;

constexpr std::string_view token_value = "s3cret-admin-token-0123456789";

// Valid apart from what a test adds: every required key, relative paths into the test dir.
constexpr std::string_view minimal_config = R"(
[server.plain]
listen = "127.0.0.1:8080"

[admin]
token_file = "token"

[upstream]
servers = ["127.0.0.1:8000"]
)";

// Minimal config without [admin], for tests that bring their own.
constexpr std::string_view config_without_admin = R"(
[server.plain]
listen = "127.0.0.1:8080"

[upstream]
servers = ["127.0.0.1:8000"]
)";

// Sets an environment variable for one test and restores the previous state afterwards.
class scoped_env {
public:
    scoped_env(std::string name, const char* value) : name_(std::move(name)) {
        if (const char* old = std::getenv(name_.c_str())) old_ = old;
        if (value) {
            ::setenv(name_.c_str(), value, 1);
        } else {
            ::unsetenv(name_.c_str());
        }
    }
    ~scoped_env() {
        if (old_) {
            ::setenv(name_.c_str(), old_->c_str(), 1);
        } else {
            ::unsetenv(name_.c_str());
        }
    }
    scoped_env(const scoped_env&) = delete;
    scoped_env& operator=(const scoped_env&) = delete;

private:
    std::string name_;
    std::optional<std::string> old_;
};

// Each test gets a fresh temp dir holding certs/dev.crt, certs/dev.key and token; the config
// under test is parsed as if it were <dir>/gangway.toml.
class ConfigLoader : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "gangway-config-test-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = fs::path(pattern).lexically_normal();
        write_file("certs/dev.crt", "-----BEGIN CERTIFICATE-----\n");
        write_file("certs/dev.key", "-----BEGIN PRIVATE KEY-----\n");
        write_file("token", std::string(token_value) + "\n");
    }

    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    void write_file(const std::string& relative, std::string_view contents) const {
        const fs::path path = dir_ / relative;
        fs::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << contents;
    }

    std::string in_dir(const std::string& relative) const { return (dir_ / relative).string(); }
    std::string config_path() const { return in_dir("gangway.toml"); }

    config_result parse(std::string_view text) const { return parse_config(text, config_path()); }

    error_list errors_of(std::string_view text) const { return error_strings(parse(text)); }

    static error_list error_strings(const config_result& result) {
        error_list out;
        for (const config_error& error : result.errors) out.push_back(error.to_string());
        return out;
    }

    static std::string with(std::string_view base, std::string_view extra) {
        return std::string(base) + std::string(extra);
    }

    fs::path dir_;
};

TEST_F(ConfigLoader, MinimalConfigFillsDefaults) {
    const config_result result = parse(minimal_config);
    ASSERT_TRUE(result.errors.empty()) << ::testing::PrintToString(error_strings(result));
    ASSERT_NE(result.value, nullptr);
    const config& c = *result.value;

    EXPECT_EQ(c.source_path, config_path());
    std::array<char, 256> host{};
    ASSERT_EQ(::gethostname(host.data(), host.size() - 1), 0);
    EXPECT_EQ(c.server.instance_id, std::string(host.data()) + "-" + std::to_string(::getpid()));
    EXPECT_EQ(c.server.worker_threads, 1u);
    EXPECT_EQ(c.server.idle_poll.count(), 20);
    EXPECT_FALSE(c.server.tls.has_value());
    ASSERT_TRUE(c.server.plain.has_value());
    EXPECT_EQ(c.server.plain->listen.host, "127.0.0.1");
    EXPECT_EQ(c.server.plain->listen.port, 8080);

    EXPECT_EQ(c.admin.listen.host, "127.0.0.1");
    EXPECT_EQ(c.admin.listen.port, 9901);
    EXPECT_EQ(c.admin.token, token_value);

    EXPECT_EQ(c.limits.max_header_bytes, 16384u);
    EXPECT_EQ(c.limits.max_header_count, 100u);
    EXPECT_EQ(c.limits.max_url_bytes, 8192u);
    EXPECT_EQ(c.limits.max_body_bytes, 4294967296u);
    EXPECT_EQ(c.limits.max_response_header_bytes, 65536u);

    EXPECT_EQ(c.timeouts.tls_handshake, 10s);
    EXPECT_EQ(c.timeouts.header_read, 10s);
    EXPECT_EQ(c.timeouts.body_read, 30s);
    EXPECT_EQ(c.timeouts.upstream_connect, 3s);
    EXPECT_EQ(c.timeouts.upstream_response, 60s);
    EXPECT_EQ(c.timeouts.idle, 60s);
    EXPECT_EQ(c.timeouts.drain, 30s);

    ASSERT_EQ(c.upstream.servers.size(), 1u);
    EXPECT_EQ(c.upstream.servers[0].host, "127.0.0.1");
    EXPECT_EQ(c.upstream.servers[0].port, 8000);
    EXPECT_EQ(c.upstream.max_idle_per_server, 64u);
    EXPECT_EQ(c.upstream.max_fails, 1u);
    EXPECT_EQ(c.upstream.fail_timeout, 10s);
    EXPECT_TRUE(c.upstream.websocket_paths.empty());

    EXPECT_EQ(c.identity.header_names,
              (std::vector<std::string>{"X-Gangway-User-Id", "X-Gangway-Account-Id",
                                        "X-Gangway-Email", "X-Gangway-Assertion"}));
    EXPECT_TRUE(c.routing.api_prefixes.empty());
    EXPECT_EQ(c.log.level, "info");
    EXPECT_EQ(c.log.access_log, "stdout");
}

TEST_F(ConfigLoader, FullConfigReadsEveryKey) {
    const config_result result = parse(R"(
[server]
instance_id = "legacy-1"
worker_threads = 4

[server.tls]
listen = "[::1]:8443"
cert_file = "certs/dev.crt"
key_file = "certs/dev.key"

[server.plain]
listen = "0.0.0.0:0"

[admin]
listen = "localhost:0"
token_file = "token"

[limits]
max_header_bytes = 32768
max_header_count = 50
max_url_bytes = 4096
max_body_bytes = 0
max_response_header_bytes = 131072

[timeouts]
tls_handshake_ms = 1001
header_read_ms = 1002
body_read_ms = 1003
upstream_connect_ms = 1004
upstream_response_ms = 1005
idle_ms = 1006
drain_ms = 1007

[upstream]
servers = ["127.0.0.1:8000", "[::1]:8001", "backend.internal:8002"]
max_idle_per_server = 0
max_fails = 3
fail_timeout_ms = 5000
websocket_paths = ["/ws", "/socket/"]

[identity]
header_names = ["X-User", "X-Account"]

[routing]
api_prefixes = ["/api/", "/v2/"]

[log]
level = "debug"
access_log = "logs/access.log"
)");
    ASSERT_TRUE(result.errors.empty()) << ::testing::PrintToString(error_strings(result));
    const config& c = *result.value;

    EXPECT_EQ(c.server.instance_id, "legacy-1");
    EXPECT_EQ(c.server.worker_threads, 4u);
    ASSERT_TRUE(c.server.tls.has_value());
    EXPECT_EQ(c.server.tls->listen.host, "::1");
    EXPECT_EQ(c.server.tls->listen.port, 8443);
    EXPECT_EQ(c.server.tls->cert_file, in_dir("certs/dev.crt"));
    EXPECT_EQ(c.server.tls->key_file, in_dir("certs/dev.key"));
    ASSERT_TRUE(c.server.plain.has_value());
    EXPECT_EQ(c.server.plain->listen.host, "0.0.0.0");
    EXPECT_EQ(c.server.plain->listen.port, 0);

    EXPECT_EQ(c.admin.listen.host, "localhost");
    EXPECT_EQ(c.admin.listen.port, 0);
    EXPECT_EQ(c.admin.token, token_value);

    EXPECT_EQ(c.limits.max_header_bytes, 32768u);
    EXPECT_EQ(c.limits.max_header_count, 50u);
    EXPECT_EQ(c.limits.max_url_bytes, 4096u);
    EXPECT_EQ(c.limits.max_body_bytes, 0u);
    EXPECT_EQ(c.limits.max_response_header_bytes, 131072u);

    EXPECT_EQ(c.timeouts.tls_handshake, 1001ms);
    EXPECT_EQ(c.timeouts.header_read, 1002ms);
    EXPECT_EQ(c.timeouts.body_read, 1003ms);
    EXPECT_EQ(c.timeouts.upstream_connect, 1004ms);
    EXPECT_EQ(c.timeouts.upstream_response, 1005ms);
    EXPECT_EQ(c.timeouts.idle, 1006ms);
    EXPECT_EQ(c.timeouts.drain, 1007ms);

    ASSERT_EQ(c.upstream.servers.size(), 3u);
    EXPECT_EQ(c.upstream.servers[0].host, "127.0.0.1");
    EXPECT_EQ(c.upstream.servers[0].port, 8000);
    EXPECT_EQ(c.upstream.servers[1].host, "::1");
    EXPECT_EQ(c.upstream.servers[1].port, 8001);
    EXPECT_EQ(c.upstream.servers[2].host, "backend.internal");
    EXPECT_EQ(c.upstream.servers[2].port, 8002);
    EXPECT_EQ(c.upstream.max_idle_per_server, 0u);
    EXPECT_EQ(c.upstream.max_fails, 3u);
    EXPECT_EQ(c.upstream.fail_timeout, 5s);
    EXPECT_EQ(c.upstream.websocket_paths, (std::vector<std::string>{"/ws", "/socket/"}));

    EXPECT_EQ(c.identity.header_names, (std::vector<std::string>{"X-User", "X-Account"}));
    EXPECT_EQ(c.routing.api_prefixes, (std::vector<std::string>{"/api/", "/v2/"}));
    EXPECT_EQ(c.log.level, "debug");
    EXPECT_EQ(c.log.access_log, in_dir("logs/access.log"));
}

TEST_F(ConfigLoader, ExampleConfigIsValid) {
    const char* source_dir = std::getenv("GANGWAY_SOURCE_DIR");
    const fs::path root =
        source_dir ? fs::path(source_dir) : fs::path(__FILE__).parent_path() / "../..";
    std::ifstream in(root / "conf/gangway.example.toml", std::ios::binary);
    ASSERT_TRUE(in) << "set GANGWAY_SOURCE_DIR to the repository root";
    std::stringstream text;
    text << in.rdbuf();

    // The example sits in conf/ and points at ../certs/dev/, where make-dev-certs.sh writes.
    write_file("certs/dev/legacy.localhost.crt", "cert");
    write_file("certs/dev/legacy.localhost.key", "key");
    const scoped_env token("GANGWAY_ADMIN_TOKEN", std::string(token_value).c_str());
    const config_result result = parse_config(text.str(), in_dir("conf/gangway.example.toml"));

    ASSERT_TRUE(result.errors.empty()) << ::testing::PrintToString(error_strings(result));
    EXPECT_EQ(result.value->server.tls->cert_file, in_dir("certs/dev/legacy.localhost.crt"));
    EXPECT_EQ(result.value->admin.token, token_value);
}

TEST_F(ConfigLoader, LoadConfigReadsTheFile) {
    write_file("gangway.toml", minimal_config);
    const config_result result = load_config(config_path());
    ASSERT_TRUE(result.errors.empty()) << ::testing::PrintToString(error_strings(result));
    EXPECT_EQ(result.value->source_path, config_path());
    EXPECT_EQ(result.value->admin.token, token_value);
}

TEST_F(ConfigLoader, MissingConfigFileIsOneError) {
    EXPECT_EQ(error_strings(load_config(in_dir("missing.toml"))),
              (error_list{"config file not found: " + in_dir("missing.toml")}));
}

TEST_F(ConfigLoader, ConfigPathThatIsADirectoryIsOneError) {
    EXPECT_EQ(error_strings(load_config(in_dir("certs"))),
              (error_list{"config file is not a regular file: " + in_dir("certs")}));
}

TEST_F(ConfigLoader, SourcePathIsMadeAbsolute) {
    const scoped_env token("GANGWAY_CONFIG_TEST_TOKEN", std::string(token_value).c_str());
    const config_result result = parse_config(with(config_without_admin, R"(
[admin]
token_env = "GANGWAY_CONFIG_TEST_TOKEN"
)"),
                                              "conf/../gangway.toml");
    ASSERT_TRUE(result.errors.empty()) << ::testing::PrintToString(error_strings(result));
    EXPECT_EQ(result.value->source_path, (fs::current_path() / "gangway.toml").string());
}

TEST_F(ConfigLoader, RelativePathsResolveAgainstTheConfigDirectory) {
    write_file("conf/admin.token", std::string(token_value));
    const config_result result = parse_config(R"(
[server.tls]
listen = "127.0.0.1:8443"
cert_file = "../certs/./dev.crt"
key_file = ")" + in_dir("certs/dev.key") + R"("

[admin]
token_file = "admin.token"

[upstream]
servers = ["127.0.0.1:8000"]

[log]
access_log = "../logs/access.log"
)",
                                              in_dir("conf/gangway.toml"));
    ASSERT_TRUE(result.errors.empty()) << ::testing::PrintToString(error_strings(result));
    EXPECT_EQ(result.value->server.tls->cert_file, in_dir("certs/dev.crt"));
    EXPECT_EQ(result.value->server.tls->key_file, in_dir("certs/dev.key"));
    EXPECT_EQ(result.value->admin.token, token_value);
    EXPECT_EQ(result.value->log.access_log, in_dir("logs/access.log"));
}

TEST_F(ConfigLoader, UnknownKeysAreReportedAnywhere) {
    EXPECT_EQ(errors_of(R"(
[server]
threads = 2

[server.plain]
listen = "127.0.0.1:8080"
backlog = 5

[admin]
token_file = "token"
token = "pasted-here-by-mistake"

[upstream]
servers = ["127.0.0.1:8000"]

[log]
colour = "red"

[metrics]
port = 9100
)"),
              (error_list{
                  "server.threads: unknown key",
                  "server.plain.backlog: unknown key",
                  "admin.token: unknown key",
                  "log.colour: unknown key",
                  "metrics: unknown key",
              }));
}

TEST_F(ConfigLoader, UnknownKeyNamesAreQuotedAndEscaped) {
    EXPECT_EQ(errors_of(with(minimal_config, "[log]\n\"two words\" = 1\n\"line\\nbreak\" = 2\n")),
              (error_list{
                  "log.\"two words\": unknown key",
                  "log.\"line\\u000abreak\": unknown key",
              }));
}

TEST_F(ConfigLoader, WrongTypesAreReported) {
    EXPECT_EQ(errors_of(R"(
limits = 5

[server]
instance_id = 7
worker_threads = "4"

[server.plain]
listen = 8080

[admin]
token_file = "token"

[upstream]
servers = "127.0.0.1:8000"
max_fails = 1.5

[identity]
header_names = ["X-Ok", true]

[[log]]
level = "info"
)"),
              (error_list{
                  "limits: must be a table",
                  "server.instance_id: must be a string",
                  "server.worker_threads: must be an integer",
                  "server.plain.listen: must be a string",
                  "upstream.servers: must be an array of strings",
                  "upstream.max_fails: must be an integer",
                  "identity.header_names[1]: must be a string",
                  "log: must be a table",
              }));
}

TEST_F(ConfigLoader, IntegerRangesAreReported) {
    EXPECT_EQ(errors_of(R"(
[server]
worker_threads = 0

[server.plain]
listen = "127.0.0.1:8080"

[admin]
token_file = "token"

[limits]
max_header_bytes = 1023
max_header_count = 10001
max_url_bytes = 15
max_body_bytes = -1
max_response_header_bytes = 1048577

[timeouts]
tls_handshake_ms = 0
header_read_ms = 86400001
body_read_ms = -5
upstream_connect_ms = 0
upstream_response_ms = 0
idle_ms = 0
drain_ms = 0

[upstream]
servers = ["127.0.0.1:8000"]
max_idle_per_server = 100001
max_fails = 0
fail_timeout_ms = 0
)"),
              (error_list{
                  "server.worker_threads: must be an integer 1..256",
                  "limits.max_header_bytes: must be an integer 1024..1048576",
                  "limits.max_header_count: must be an integer 1..10000",
                  "limits.max_url_bytes: must be an integer 16..1048576",
                  "limits.max_body_bytes: must be an integer >= 0",
                  "limits.max_response_header_bytes: must be an integer 1024..1048576",
                  "timeouts.tls_handshake_ms: must be an integer 1..86400000",
                  "timeouts.header_read_ms: must be an integer 1..86400000",
                  "timeouts.body_read_ms: must be an integer 1..86400000",
                  "timeouts.upstream_connect_ms: must be an integer 1..86400000",
                  "timeouts.upstream_response_ms: must be an integer 1..86400000",
                  "timeouts.idle_ms: must be an integer 1..86400000",
                  "timeouts.drain_ms: must be an integer 1..86400000",
                  "upstream.max_idle_per_server: must be an integer 0..100000",
                  "upstream.max_fails: must be an integer 1..1000",
                  "upstream.fail_timeout_ms: must be an integer 1..86400000",
              }));
}

TEST_F(ConfigLoader, RangeBoundsAreAccepted) {
    const config_result result = parse(with(minimal_config, R"(
[limits]
max_header_bytes = 1048576
max_body_bytes = 9223372036854775807

[timeouts]
idle_ms = 86400000
drain_ms = 1
)"));
    ASSERT_TRUE(result.errors.empty()) << ::testing::PrintToString(error_strings(result));
    EXPECT_EQ(result.value->limits.max_header_bytes, 1048576u);
    EXPECT_EQ(result.value->limits.max_body_bytes, 9223372036854775807u);
    EXPECT_EQ(result.value->timeouts.idle, 86400000ms);
    EXPECT_EQ(result.value->timeouts.drain, 1ms);
}

TEST_F(ConfigLoader, AListenerIsRequired) {
    const std::string rest = R"(
[admin]
token_file = "token"

[upstream]
servers = ["127.0.0.1:8000"]
)";
    EXPECT_EQ(errors_of(rest),
              (error_list{"server: at least one of server.tls or server.plain is required"}));
    EXPECT_EQ(errors_of("[server]\nworker_threads = 2\n" + rest),
              (error_list{"server: at least one of server.tls or server.plain is required"}));
}

TEST_F(ConfigLoader, IdlePollNeedsOneWorkerThread) {
    const std::string rest(minimal_config);  // [server.plain] comes after [server]
    const config_result ok = parse("[server]\nidle_poll_us = 50\n" + rest);
    ASSERT_TRUE(ok.errors.empty()) << ::testing::PrintToString(error_strings(ok));
    EXPECT_EQ(ok.value->server.idle_poll, std::chrono::microseconds(50));
    EXPECT_EQ(errors_of("[server]\nworker_threads = 2\nidle_poll_us = 20\n" + rest),
              (error_list{"server.idle_poll_us: needs worker_threads = 1"}));
    EXPECT_EQ(errors_of("[server]\nidle_poll_us = 1001\n" + rest),
              (error_list{"server.idle_poll_us: must be an integer 0..1000"}));
    EXPECT_TRUE(errors_of("[server]\nworker_threads = 2\nidle_poll_us = 0\n" + rest).empty());
    // The default polls, and is no error with more threads (they never poll).
    EXPECT_TRUE(errors_of("[server]\nworker_threads = 2\n" + rest).empty());
}

TEST_F(ConfigLoader, UpstreamServersAreRequired) {
    const std::string base = R"(
[server.plain]
listen = "127.0.0.1:8080"

[admin]
token_file = "token"
)";
    EXPECT_EQ(errors_of(base), (error_list{"upstream.servers: required"}));
    EXPECT_EQ(errors_of(base + "[upstream]\nmax_fails = 2\n"),
              (error_list{"upstream.servers: required"}));
    EXPECT_EQ(errors_of(base + "[upstream]\nservers = []\n"),
              (error_list{"upstream.servers: must not be empty"}));
}

TEST_F(ConfigLoader, UpstreamServerAddressesAreChecked) {
    const config_result result = parse(R"(
[server.plain]
listen = "127.0.0.1:8080"

[admin]
token_file = "token"

[upstream]
servers = [
  "127.0.0.1:0",
  "backend",
  "[::1]:65536",
  "::1:8000",
  "bad host:80",
  "[backend]:80",
  "backend:http",
  "10.0.0.1:8000",
  "[::1]:8000",
  "api-1.internal:8000",
]
)");
    EXPECT_EQ(error_strings(result),
              (error_list{
                  "upstream.servers[0]: port must be 1..65535",
                  "upstream.servers[1]: must be host:port",
                  "upstream.servers[2]: port must be 1..65535",
                  "upstream.servers[3]: IPv6 address must be in brackets: [address]:port",
                  "upstream.servers[4]: host must be an IP address or DNS name",
                  "upstream.servers[5]: host must be an IP address or DNS name",
                  "upstream.servers[6]: port must be 1..65535",
              }));
}

TEST_F(ConfigLoader, ListenAddressesAreChecked) {
    EXPECT_EQ(errors_of(R"(
[server.tls]
listen = "gateway.example.com:8443"
cert_file = "certs/dev.crt"
key_file = "certs/dev.key"

[server.plain]
listen = "127.0.0.1:65536"

[admin]
listen = "127.0.0.1"
token_file = "token"

[upstream]
servers = ["127.0.0.1:8000"]
)"),
              (error_list{
                  "server.tls.listen: host must be an IP address or localhost",
                  "server.plain.listen: port must be 0..65535",
                  "admin.listen: must be host:port",
              }));
    EXPECT_EQ(
        errors_of(with(config_without_admin,
                       "[admin]\nlisten = \"127.0.0.1\\u0000x:9901\"\ntoken_file = \"token\"\n")),
        (error_list{"admin.listen: host must be an IP address or localhost"}));
}

TEST_F(ConfigLoader, TlsNeedsListenAndReadableFiles) {
    EXPECT_EQ(errors_of(with(config_without_admin, R"(
[server.tls]
cert_file = "certs/missing.crt"
key_file = "certs"

[admin]
token_file = "token"
)")),
              (error_list{
                  "server.tls.listen: required",
                  "server.tls.cert_file: file not found: " + in_dir("certs/missing.crt"),
                  "server.tls.key_file: not a regular file: " + in_dir("certs"),
              }));
    EXPECT_EQ(errors_of(with(config_without_admin, R"(
[server.tls]
listen = "127.0.0.1:8443"
cert_file = ""

[admin]
token_file = "token"
)")),
              (error_list{
                  "server.tls.key_file: required",
                  "server.tls.cert_file: must not be empty",
              }));
}

TEST_F(ConfigLoader, ExactlyOneTokenSourceIsRequired) {
    const std::string message =
        "admin: exactly one of admin.token_file or admin.token_env is required";
    EXPECT_EQ(errors_of(config_without_admin), (error_list{message}));
    EXPECT_EQ(errors_of(with(config_without_admin, "[admin]\nlisten = \"127.0.0.1:9901\"\n")),
              (error_list{message}));
    EXPECT_EQ(errors_of(with(config_without_admin,
                             "[admin]\ntoken_file = \"token\"\ntoken_env = \"HOME\"\n")),
              (error_list{message}));
}

TEST_F(ConfigLoader, TokenFileIsTrimmedOfTrailingNewline) {
    write_file("token", "0123456789abcdef\r\n");
    const config_result result = parse(minimal_config);
    ASSERT_TRUE(result.errors.empty()) << ::testing::PrintToString(error_strings(result));
    EXPECT_EQ(result.value->admin.token, "0123456789abcdef");
}

TEST_F(ConfigLoader, TokenShorterThan16BytesIsRejected) {
    write_file("token", "0123456789abcde\n");
    EXPECT_EQ(errors_of(minimal_config),
              (error_list{"admin.token_file: token must be at least 16 bytes"}));
}

TEST_F(ConfigLoader, TokenLongerThan4096BytesIsRejected) {
    write_file("token", std::string(4097, 'x'));
    EXPECT_EQ(errors_of(minimal_config),
              (error_list{"admin.token_file: token must be at most 4096 bytes"}));
    write_file("token", std::string(4096, 'x') + "\n");
    EXPECT_TRUE(errors_of(minimal_config).empty());
}

TEST_F(ConfigLoader, TokenFileMustExist) {
    EXPECT_EQ(errors_of(with(config_without_admin,
                             "[admin]\ntoken_file = \"/nonexistent/gangway/token\"\n")),
              (error_list{"admin.token_file: file not found: /nonexistent/gangway/token"}));
}

TEST_F(ConfigLoader, TokenIsReadFromTheEnvironment) {
    const scoped_env token("GANGWAY_CONFIG_TEST_TOKEN", std::string(token_value).c_str());
    const config_result result =
        parse(with(config_without_admin, "[admin]\ntoken_env = \"GANGWAY_CONFIG_TEST_TOKEN\"\n"));
    ASSERT_TRUE(result.errors.empty()) << ::testing::PrintToString(error_strings(result));
    EXPECT_EQ(result.value->admin.token, token_value);
}

TEST_F(ConfigLoader, UnsetTokenEnvIsAnError) {
    const scoped_env token("GANGWAY_CONFIG_TEST_UNSET", nullptr);
    EXPECT_EQ(
        errors_of(
            with(config_without_admin, "[admin]\ntoken_env = \"GANGWAY_CONFIG_TEST_UNSET\"\n")),
        (error_list{"admin.token_env: environment variable GANGWAY_CONFIG_TEST_UNSET is not set"}));
    EXPECT_EQ(
        errors_of(with(config_without_admin, "[admin]\ntoken_env = \"NOT-A-NAME\"\n")),
        (error_list{"admin.token_env: must be an environment variable name (A-Z a-z 0-9 _)"}));
}

TEST_F(ConfigLoader, TokenValueNeverAppearsInErrors) {
    const std::string short_secret = "short-secret-15";
    const std::string spaced_secret = "a secret with spaces";
    const scoped_env short_env("GANGWAY_CONFIG_TEST_SHORT", short_secret.c_str());
    const scoped_env spaced_env("GANGWAY_CONFIG_TEST_SPACED", spaced_secret.c_str());
    const std::string broken_rest = R"(
[server]
worker_threads = 0

[upstream]
servers = []
)";
    std::vector<error_list> all;
    all.push_back(errors_of("[admin]\ntoken_file = \"token\"\ntoken = \"" +
                            std::string(token_value) + "\"\n" + broken_rest));
    all.push_back(errors_of("[admin]\ntoken_env = \"GANGWAY_CONFIG_TEST_SHORT\"\n" + broken_rest));
    all.push_back(errors_of("[admin]\ntoken_env = \"GANGWAY_CONFIG_TEST_SPACED\"\n" + broken_rest));
    write_file("token", short_secret);
    all.push_back(errors_of("[admin]\ntoken_file = \"token\"\n" + broken_rest));

    EXPECT_EQ(all[1][0], "admin.token_env: token must be at least 16 bytes");
    EXPECT_EQ(all[2][0], "admin.token_env: token must contain only visible ASCII characters");
    EXPECT_EQ(all[3][0], "admin.token_file: token must be at least 16 bytes");
    for (const error_list& errors : all) {
        EXPECT_GE(errors.size(), 3u);
        for (const std::string& error : errors) {
            EXPECT_EQ(error.find(token_value), std::string::npos) << error;
            EXPECT_EQ(error.find(short_secret), std::string::npos) << error;
            EXPECT_EQ(error.find(spaced_secret), std::string::npos) << error;
        }
    }
}

TEST_F(ConfigLoader, StringListsAreChecked) {
    EXPECT_EQ(errors_of(with(minimal_config, R"(
[server]
instance_id = "legacy 1"

[identity]
header_names = ["X-Ok", "Bad Header", "", "X:Colon"]

[routing]
api_prefixes = ["/api/", "api", "/a b"]

[log]
level = "loud"
access_log = ""
)")),
              (error_list{
                  "server.instance_id: must be 1..128 characters of A-Z a-z 0-9 . _ -",
                  "identity.header_names[1]: must be a valid HTTP header name",
                  "identity.header_names[2]: must be a valid HTTP header name",
                  "identity.header_names[3]: must be a valid HTTP header name",
                  "routing.api_prefixes[1]: must start with \"/\"",
                  "routing.api_prefixes[2]: must contain only visible ASCII characters",
                  "log.level: must be one of trace, debug, info, warn, error, off",
                  "log.access_log: must not be empty",
              }));
    EXPECT_EQ(errors_of(with(minimal_config, "[upstream.x]\n")),
              (error_list{"upstream.x: unknown key"}));
}

TEST_F(ConfigLoader, EveryErrorIsReportedInDocumentOrder) {
    EXPECT_EQ(errors_of(R"(
[server]
worker_threads = 300

[server.tls]
listen = "127.0.0.1:99999"
cert_file = "certs/missing.crt"
key_file = "certs/dev.key"

[admin]
token_file = "missing-token"

[log]
colour = "red"
level = 1

[upstream]
servers = ["127.0.0.1:0", "127.0.0.1:8000", "nope"]

[timeouts]
idle_ms = 0
)"),
              (error_list{
                  "server.worker_threads: must be an integer 1..256",
                  "server.tls.listen: port must be 0..65535",
                  "server.tls.cert_file: file not found: " + in_dir("certs/missing.crt"),
                  "admin.token_file: file not found: " + in_dir("missing-token"),
                  "log.colour: unknown key",
                  "log.level: must be a string",
                  "upstream.servers[0]: port must be 1..65535",
                  "upstream.servers[2]: must be host:port",
                  "timeouts.idle_ms: must be an integer 1..86400000",
              }));
}

TEST_F(ConfigLoader, SyntaxErrorReportsLineAndColumn) {
    const config_result result = parse("[server]\nworker_threads = \n");
    EXPECT_EQ(result.value, nullptr);
    EXPECT_EQ(error_strings(result), (error_list{"syntax error at line 2, column 18: Error while "
                                                 "parsing key-value pair: expected value, "
                                                 "saw '\\n'"}));
}

// toml++ 3.3 breaks an internal precondition on these (see toml_prescan in the loader).
TEST_F(ConfigLoader, TableHeaderWithoutKeyIsASyntaxError) {
    EXPECT_EQ(errors_of("[[[1]]]\n"),
              (error_list{"syntax error at line 1, column 3: expected a key after '['"}));
    EXPECT_EQ(errors_of("[server]\nworker_threads = 1\n  [ :8443\"]\n"),
              (error_list{"syntax error at line 3, column 5: expected a key after '['"}));
    EXPECT_EQ(errors_of("\xef\xbb\xbf[#]\n"),
              (error_list{"syntax error at line 1, column 3: expected a key after '['"}));
}

TEST_F(ConfigLoader, DateWithoutTimeIsASyntaxError) {
    EXPECT_EQ(errors_of("[log]\nlevel = 1979-05-27 0\n"),
              (error_list{"syntax error at line 2, column 21: expected a time after the date"}));
    EXPECT_EQ(errors_of("[log]\nlevel = [8-------\"X 8 X]\n"),
              (error_list{"syntax error at line 2, column 22: expected a time after the date"}));
    EXPECT_EQ(errors_of("1=1979-05-27T:"),
              (error_list{"syntax error at line 1, column 14: expected a time after the date"}));
    EXPECT_EQ(errors_of("a = [1979-05-27t]"),
              (error_list{"syntax error at line 1, column 17: expected a time after the date"}));
    EXPECT_EQ(errors_of(with(minimal_config, "[log]\nlevel = 1979-05-27 07:32:00\n")),
              (error_list{"log.level: must be a string"}));
}

TEST_F(ConfigLoader, BraceInArrayIsASyntaxError) {
    EXPECT_EQ(errors_of("[upstream]\nservers = [\"127.0.0.1:8000\",\n  # comment\n  }]\n"),
              (error_list{"syntax error at line 4, column 3: expected a value or ']', saw '}'"}));
}

TEST_F(ConfigLoader, BracketsInsideValuesAreNotTableHeaders) {
    EXPECT_EQ(errors_of(R"(
[server.plain]
listen = "127.0.0.1:8080"

[admin]
token_file = "token"

[upstream]
servers = [
[ "127.0.0.1:8000" ],
]
websocket_paths = [ # [:
  "/ws", ']:[', """
[:""",
]
)"),
              (error_list{
                  "upstream.servers[0]: must be a string",
                  "upstream.websocket_paths[1]: must start with \"/\"",
                  "upstream.websocket_paths[2]: must start with \"/\"",
              }));
}

// Where toml++ 3.3 would classify a non-ASCII character as whitespace or not, which is
// undefined for most of them (see toml_prescan in the loader).
TEST_F(ConfigLoader, NonAsciiOutsideStringsIsASyntaxError) {
    EXPECT_EQ(
        errors_of("[server]\nworker\xc2\xa1threads = 1\n"),
        (error_list{
            "syntax error at line 2, column 7: non-ASCII character outside a string or comment"}));
    EXPECT_EQ(
        errors_of("[admin]\nlisten = 7.1\":0.2\xc6\x9e\"\n"),
        (error_list{
            "syntax error at line 2, column 18: non-ASCII character outside a string or comment"}));
    EXPECT_EQ(
        errors_of("a = .\"\xc2\xa1\"\nb = 1=\"\xc2\xa1\"\n"),
        (error_list{
            "syntax error at line 1, column 7: non-ASCII character outside a string or comment"}));
    EXPECT_EQ(
        errors_of("a = -[\"\xc2\xa1\"]\n"),
        (error_list{
            "syntax error at line 1, column 8: non-ASCII character outside a string or comment"}));
    EXPECT_EQ(
        errors_of("str = ''''x'''''\xef\xbb\xbe\n"),
        (error_list{
            "syntax error at line 1, column 17: non-ASCII character outside a string or comment"}));
    EXPECT_EQ(
        errors_of("[log]\naccess_log = \"\"\"logs/\\\n  \xc3\xa9.log\"\"\"\n"),
        (error_list{"syntax error at line 3, column 3: non-ASCII character after a backslash"}));
}

TEST_F(ConfigLoader, NonAsciiInStringsAndCommentsIsAccepted) {
    const config_result result = parse(with(minimal_config,
                                            "# caf\xc3\xa9 \xe2\x86\x92 \xe2\x80\x94\n"
                                            "[log] # \xc2\xa1\n"
                                            "access_log = \"\"\"logs/caf\xc3\xa9\\\n"
                                            "  \\u00e9.log\"\"\" # \xd2\x8b\n"));
    ASSERT_TRUE(result.errors.empty()) << ::testing::PrintToString(error_strings(result));
    EXPECT_EQ(result.value->log.access_log, in_dir("logs/caf\xc3\xa9\xc3\xa9.log"));
}

// The pre-parse pass must read valid TOML exactly: none of this may become a syntax error.
TEST_F(ConfigLoader, ValidTomlPassesThePreParseChecks) {
    const error_list errors = errors_of(with(minimal_config, R"toml(
[extra] # comment with "quotes", 'apostrophes', [brackets] and café
"quoted.key" = 1
a.b."c.d".e = 2
str1 = "tab\tquote\" caf\u00e9 中"
str2 = """
multi "" line é""""
str3 = """\
       continued \
       line\
       """
lit1 = 'C:\Users\nodejs'
lit2 = '''
raw '' lines é'''
numbers = [ +99, -17, 1_000, 0xDEAD, 0o755, 0b1101, 3.14, 5e+22, inf, -nan ]
dates = [ 1979-05-27T07:32:00Z, 1979-05-27 07:32:00.5-07:00, 1979-05-27, 07:32:00 ]
nested = [ [ 1, 2 ], [ "]", '}' ], { a = [ { b = "{[" } ] } ]
across = [
  1, # ] } é
  [ 2,
    3 ],
]
inline = { type.name = "pug", list = [ "x", ], n = { m = 1 } }
[ extra . "tater.man" . 'ʞ' ]
[[extra.products]]
name = "Hammer"
)toml"));
    ASSERT_FALSE(errors.empty());
    for (const std::string& error : errors) EXPECT_TRUE(error.ends_with(": unknown key")) << error;
}

TEST_F(ConfigLoader, OversizedInputIsRefused) {
    EXPECT_EQ(errors_of(std::string(2 * 1024 * 1024, '#')),
              (error_list{"config is larger than 1048576 bytes"}));
}

TEST_F(ConfigLoader, GarbageInputGivesErrors) {
    std::mt19937 random(12345);
    std::string garbage(1'000'000, '\0');
    for (char& c : garbage) c = static_cast<char>(random() & 0xff);
    config_result result;
    EXPECT_NO_THROW(result = parse(garbage));
    EXPECT_EQ(result.value, nullptr);
    EXPECT_FALSE(result.errors.empty());

    std::string printable(1'000'000, '\0');
    for (char& c : printable) c = static_cast<char>(' ' + random() % 95);
    EXPECT_NO_THROW(result = parse(printable));
    EXPECT_EQ(result.value, nullptr);
    EXPECT_FALSE(result.errors.empty());
}

TEST_F(ConfigLoader, DeeplyNestedValuesGiveErrors) {
    EXPECT_EQ(errors_of("a = " + std::string(100'000, '[')),
              (error_list{
                  "syntax error at line 1, column 261: Error while parsing value: exceeded maximum "
                  "nested value depth of 256 (TOML_MAX_NESTED_VALUES)"}));
    std::string inline_tables = "a = ";
    for (int i = 0; i < 100'000; ++i) inline_tables += "{a=";
    const error_list errors = errors_of(inline_tables);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_TRUE(errors[0].starts_with("syntax error at line 1, column ")) << errors[0];
}

TEST_F(ConfigLoader, DeeplyDottedKeysAreRefused) {
    std::string dotted = "a";
    for (int i = 0; i < 200'000; ++i) dotted += ".a";
    EXPECT_EQ(
        errors_of(dotted + " = 1\n"),
        (error_list{"keys nest too deeply: more than 1024 '.' outside strings and comments"}));
    EXPECT_EQ(
        errors_of("[" + dotted + "]\n"),
        (error_list{"keys nest too deeply: more than 1024 '.' outside strings and comments"}));
}

TEST_F(ConfigLoader, DotsInStringsAndCommentsDoNotCount) {
    const std::string dots(5000, '.');
    const config_result result =
        parse(with(minimal_config,
                   "# " + dots + "\n[log]\naccess_log = \"logs/a" + dots + "b\" # " + dots + "\n"));
    ASSERT_TRUE(result.errors.empty()) << ::testing::PrintToString(error_strings(result));
    EXPECT_EQ(result.value->log.access_log, in_dir("logs/a" + dots + "b"));
}


// ---- per-account routing: site, sites, database, placement, session ----------------------

constexpr std::string_view routed_sections = R"(
[site]
name = "legacy"
signup_site = "aws"

[sites.legacy]
origin = "https://legacy.example.com"

[sites.aws]
origin = "https://eu2.example.com:8443"
peer_url = "https://10.0.0.5:8443/gw"

[database]
host = "db.internal"
port = 3307
user = "gangway"
password_env = "GANGWAY_TEST_DB_PASSWORD"
name = "app"
pool_size = 8
query_timeout_ms = 700

[placement]
refresh_interval_ms = 50
fence_timeout_ms = 2000
lock_retry_after_s = 3

[session]
ttl_s = 3600
keys_file = "session.keys"
assertion_keys_file = "assertion.keys"

[login]
peer_keys_file = "session.keys"
)";

TEST_F(ConfigLoader, PeerUrlsNeedPeerKeys) {
    write_file("session.keys", "k1 AAAA\n");
    write_file("assertion.keys", "a1 AAAA\n");
    const scoped_env password("GANGWAY_TEST_DB_PASSWORD", "db-secret-value");
    std::string text = with(minimal_config, routed_sections);
    text.erase(text.find("[login]"));
    const auto errors = errors_of(text);
    ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
    EXPECT_NE(errors[0].find("login.peer_keys_file"), std::string::npos) << errors[0];
    EXPECT_NE(errors[0].find("required when other sites have a peer_url"), std::string::npos);
}

TEST_F(ConfigLoader, PerAccountRoutingSectionsAreRead) {
    write_file("session.keys", "k1 AAAA\n");
    write_file("assertion.keys", "a1 AAAA\n");
    const scoped_env password("GANGWAY_TEST_DB_PASSWORD", "db-secret-value");
    const config_result result = parse(with(minimal_config, routed_sections));
    ASSERT_TRUE(result.errors.empty()) << ::testing::PrintToString(error_strings(result));
    const config& c = *result.value;
    EXPECT_EQ(c.sites.self, "legacy");
    EXPECT_EQ(c.sites.signup_site, "aws");
    ASSERT_EQ(c.sites.entries.size(), 2u);
    ASSERT_NE(c.sites.find("aws"), nullptr);
    EXPECT_EQ(c.sites.find("aws")->origin, "https://eu2.example.com:8443");
    EXPECT_EQ(c.sites.find("aws")->peer_url, "https://10.0.0.5:8443/gw");
    ASSERT_TRUE(c.database.has_value());
    EXPECT_EQ(c.database->host, "db.internal");
    EXPECT_EQ(c.database->port, 3307);
    EXPECT_EQ(c.database->password, "db-secret-value");
    EXPECT_EQ(c.database->pool_size, 8u);
    EXPECT_EQ(c.database->query_timeout, 700ms);
    EXPECT_EQ(c.placement.refresh_interval, 50ms);
    EXPECT_EQ(c.placement.fence_timeout, 2000ms);
    EXPECT_EQ(c.placement.lock_retry_after_s, 3u);
    EXPECT_EQ(c.session.ttl, std::chrono::seconds{3600});
    EXPECT_EQ(c.session.keys_file, in_dir("session.keys"));
    EXPECT_EQ(c.session.cookie_name, "__Host-gangway");
}

TEST_F(ConfigLoader, WithoutDatabaseThereIsNoPerAccountRouting) {
    const config_result result = parse(minimal_config);
    ASSERT_TRUE(result.errors.empty());
    EXPECT_FALSE(result.value->database.has_value());
    EXPECT_TRUE(result.value->sites.entries.empty());
}

TEST_F(ConfigLoader, DatabaseNeedsSiteSitesAndKeys) {
    EXPECT_EQ(errors_of(with(minimal_config, R"(
[database]
user = "gangway"
name = "app"
)")),
              (error_list{"site.name: required with [database]",
                          "session.keys_file: required with [database]",
                          "session.assertion_keys_file: required with [database]"}));
    write_file("k", "k1 AAAA\n");
    EXPECT_EQ(errors_of(with(minimal_config, R"(
[site]
name = "legacy"
signup_site = "nowhere"
[database]
user = "gangway"
name = "app"
[session]
keys_file = "k"
assertion_keys_file = "k"
)")),
              (error_list{"sites.legacy: required: the site named by site.name",
                          "sites.nowhere: required: the site named by site.signup_site"}));
}

TEST_F(ConfigLoader, DatabaseKeysAreChecked) {
    const scoped_env unset("GANGWAY_TEST_DB_PASSWORD", nullptr);
    EXPECT_EQ(errors_of(with(minimal_config, R"(
[database]
host = "bad host"
port = 0
user = "x'; DROP"
password_env = "GANGWAY_TEST_DB_PASSWORD"
pool_size = 0
)")),
              (error_list{"database.name: required",
                          "database.host: must be an IP address or DNS name",
                          "database.port: must be an integer 1..65535",
                          "database.user: must be 1..64 characters of A-Z a-z 0-9 _ $ -",
                          "database.password_env: environment variable "
                          "GANGWAY_TEST_DB_PASSWORD is not set",
                          "database.pool_size: must be an integer 1..256",
                          "site.name: required with [database]",
                          "session.keys_file: required with [database]",
                          "session.assertion_keys_file: required with [database]"}));
}

TEST_F(ConfigLoader, DatabasePasswordNeverAppearsInErrors) {
    write_file("db.password", "hunter2-is-the-password");
    const error_list errors = errors_of(with(minimal_config, R"(
[database]
user = "gangway"
name = "app"
password_file = "db.password"
password_env = "ALSO"
)"));
    ASSERT_FALSE(errors.empty());
    for (const std::string& e : errors) EXPECT_EQ(e.find("hunter2"), std::string::npos) << e;
}

TEST_F(ConfigLoader, SiteOriginsAreChecked) {
    EXPECT_EQ(errors_of(with(minimal_config, R"(
[sites.a]
origin = "ftp://a.example.com"
[sites.b]
origin = "https://b.example.com/path"
[sites.c]
origin = "http://c.example.com"
[sites.d]
origin = "https://user@d.example.com"
[sites.e]
origin = "http://127.0.0.1:8080"
peer_url = "https://e.example.com/gw?x=1"
[sites.F]
origin = "https://f.example.com"
[sites.g]
peer_url = "https://g.example.com"
)")),
              (error_list{
                  "sites.a.origin: must be an origin: https://host[:port], no path",
                  "sites.b.origin: must be an origin: https://host[:port], no path",
                  "sites.c.origin: must use https:// (http:// only for loopback)",
                  "sites.d.origin: must be an origin: https://host[:port], no path",
                  "sites.e.peer_url: must be an https:// URL without query or userinfo",
                  "sites.F: site names must be 1..64 characters of a-z 0-9 _ -",
                  "sites.g.origin: required"}));
}

TEST_F(ConfigLoader, PlacementAndSessionKeysAreChecked) {
    EXPECT_EQ(errors_of(with(minimal_config, R"(
[placement]
heartbeat_interval_ms = 500
stale_serve_ms = 300
instance_ttl_ms = 400
lock_retry_after_s = 0
[session]
cookie_name = "gangway"
ttl_s = 10
keys_file = "missing.keys"
)")),
              (error_list{"placement.instance_ttl_ms: must be greater than heartbeat_interval_ms and stale_serve_ms",
                          "placement.lock_retry_after_s: must be an integer 1..3600",
                          "session.cookie_name: must be a cookie name starting with __Host-",
                          "session.ttl_s: must be an integer 60..2678400",
                          "session.keys_file: file not found: " + in_dir("missing.keys")}));
}

TEST_F(ConfigLoader, RoutingPathsAreChecked) {
    const config_result ok = parse(with(minimal_config, R"(
[routing]
public_prefixes = ["/static/", "/favicon.ico"]
signup_prefixes = ["/join"]
login_path = "/signin"
)"));
    ASSERT_TRUE(ok.errors.empty()) << ::testing::PrintToString(error_strings(ok));
    EXPECT_EQ(ok.value->routing.login_path, "/signin");
    EXPECT_EQ(ok.value->routing.signup_prefixes, std::vector<std::string>{"/join"});
    EXPECT_EQ(errors_of(with(minimal_config, R"(
[routing]
login_path = "signin"
)")),
              (error_list{"routing.login_path: must start with \"/\""}));
}


TEST_F(ConfigLoader, LoginSectionIsRead) {
    write_file("peer.keys", "p1 AAAA\n");
    const config_result ok = parse(with(minimal_config, R"(
[login]
users_table = "accounts_user"
email_column = "email_address"
active_column = "is_active"
max_password_bytes = 512
hash_workers = 4
ip_rate_per_min = 12.5
email_burst = 5
throttle_shadow = true
handoff_ttl_s = 20
reset_path = "/accounts/password/reset/"
peer_keys_file = "peer.keys"
)"));
    ASSERT_TRUE(ok.errors.empty()) << ::testing::PrintToString(error_strings(ok));
    const login_config& l = ok.value->login;
    EXPECT_EQ(l.users_table, "accounts_user");
    EXPECT_EQ(l.email_column, "email_address");
    EXPECT_EQ(l.password_column, "password");
    EXPECT_EQ(l.active_column, "is_active");
    EXPECT_EQ(l.max_password_bytes, 512u);
    EXPECT_EQ(l.hash_workers, 4u);
    EXPECT_DOUBLE_EQ(l.ip_rate_per_min, 12.5);
    EXPECT_EQ(l.email_burst, 5u);
    EXPECT_TRUE(l.throttle_shadow);
    EXPECT_EQ(l.handoff_ttl, std::chrono::seconds{20});
    EXPECT_EQ(l.reset_path, "/accounts/password/reset/");
    EXPECT_EQ(l.peer_keys_file, in_dir("peer.keys"));
}

TEST_F(ConfigLoader, LoginKeysAreChecked) {
    EXPECT_EQ(errors_of(with(minimal_config, R"(
[login]
users_table = "users; DROP TABLE x"
ip_rate_per_min = 0
email_rate_per_min = "fast"
throttle_shadow = 1
handoff_ttl_s = 600
reset_path = "reset"
)")),
              (error_list{"login.users_table: must be 1..64 characters of A-Z a-z 0-9 _ $ -",
                          "login.ip_rate_per_min: must be a number > 0 and <= 1000000",
                          "login.email_rate_per_min: must be a number > 0 and <= 1000000",
                          "login.throttle_shadow: must be true or false",
                          "login.handoff_ttl_s: must be an integer 1..60",
                          "login.reset_path: must start with \"/\""}));
}

}  // namespace
}  // namespace gangway
