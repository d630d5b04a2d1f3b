#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

#include "tests/integration/support/raw_client.hpp"

// The real gangway binary (env GANGWAY_BINARY) run as a child process with a config written
// to a fresh temporary directory, for integration tests.
namespace gangway::integration {

// What varies between the tests' configs. Listeners are always 127.0.0.1:0 (kernel-chosen
// ports, reported through the ready file); certificates and the admin token file are the
// process's own.
struct gateway_settings {
    std::vector<std::uint16_t> upstream_ports;  // 127.0.0.1:<port> each
    unsigned worker_threads = 1;
    std::optional<unsigned> idle_poll_us;  // server.idle_poll_us; unset: gangway's default
    std::uint32_t upstream_response_ms = 5000;
    std::uint32_t drain_ms = 10000;
    std::vector<std::string> websocket_paths;
    std::string tls_listen = "127.0.0.1:0";
    std::string cert_name = "localhost";  // <cert_dir>/<name>.crt and .key (make-dev-certs.sh)
    // Extra "key = value" lines appended to the named table ("limits", "timeouts",
    // "upstream", "server", ...); a table that is otherwise absent is created.
    std::map<std::string, std::vector<std::string>> extra;
};

// Default settings in front of the given upstream ports.
gateway_settings settings_for(std::vector<std::uint16_t> upstream_ports);

// Polls `condition` until it holds (true) or `within` has passed (false). Between two polls
// it blocks briefly in poll(2) with no descriptors, so a loop costs no busy CPU.
bool wait_until(std::chrono::milliseconds within, const std::function<bool()>& condition);

// The gangway binary, from GANGWAY_BINARY; throws std::runtime_error when unset.
std::filesystem::path gangway_binary();

// The directory holding localhost.crt, localhost.key and ca.crt: env GANGWAY_CERT_DIR, else
// certs/ next to the gangway binary (where the make_test_certs CTest fixture writes).
// Runs certs/make-dev-certs.sh into it first when a file is missing (idempotent, serialized
// across processes by a lock file). Throws std::runtime_error when that fails.
std::filesystem::path cert_dir();
std::string ca_file();

// A fresh directory under $TMPDIR (or /tmp), removed with its contents on destruction.
class temp_dir {
public:
    temp_dir();
    ~temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    const std::filesystem::path& path() const noexcept { return path_; }

private:
    std::filesystem::path path_;
};

struct command_result {
    int exit_code = -1;  // -1 when it did not exit normally within the deadline
    std::string out;
    std::string err;
};

// Runs `gangway <args...>` to completion (killed after `within`), capturing its output.
command_result run_gangway(const std::vector<std::string>& args,
                           std::chrono::milliseconds within = std::chrono::seconds(10));

class gateway_process {
public:
    // Writes the config, starts `gangway serve --config F --ready-file R` and waits up to
    // `ready_within` for the ready file. Throws std::runtime_error (with the child's stderr)
    // when the process exits or the ready file does not appear in time.
    explicit gateway_process(const gateway_settings& settings,
                             std::chrono::milliseconds ready_within = std::chrono::seconds(10));
    // SIGTERM, then SIGKILL if it has not exited after a short grace period.
    ~gateway_process();
    gateway_process(const gateway_process&) = delete;
    gateway_process& operator=(const gateway_process&) = delete;

    pid_t pid() const noexcept { return pid_; }
    std::uint16_t tls_port() const noexcept { return tls_port_; }
    std::uint16_t plain_port() const noexcept { return plain_port_; }
    std::uint16_t admin_port() const noexcept { return admin_port_; }
    std::uint16_t port(transport t) const noexcept {
        return t == transport::tls ? tls_port_ : plain_port_;
    }
    const std::string& admin_token() const noexcept { return token_; }
    const std::filesystem::path& dir() const noexcept { return dir_.path(); }
    std::filesystem::path config_path() const { return dir() / "gangway.toml"; }

    // The TOML text for `settings` with this process's certificates and token file.
    std::string config_text(const gateway_settings& settings) const;
    // Replaces the config file atomically (write, then rename), for reload tests.
    void write_config(std::string_view toml) const;

    // Resident set size from /proc/<pid>/status, in KiB; 0 when unavailable.
    std::uint64_t rss_kib() const;
    // CPU time used so far (user + system, from /proc/<pid>/stat).
    std::chrono::milliseconds cpu_time() const;
    void send_signal(int sig) const;
    // The exit status once the process has exited (128 + signal number when a signal ended
    // it), nullopt when it is still running after `within`.
    std::optional<int> wait_exit(std::chrono::milliseconds within);

    std::string stdout_text() const;  // the JSON access log, one line per request
    std::string stderr_text() const;

    // GET (or another method) on the admin listener, with the bearer token when asked.
    http_response admin(std::string_view method, std::string_view path, bool with_token) const;

private:
    temp_dir dir_;
    std::string token_;
    pid_t pid_ = -1;
    std::optional<int> exit_status_;
    std::uint16_t tls_port_ = 0;
    std::uint16_t plain_port_ = 0;
    std::uint16_t admin_port_ = 0;
};

}  // namespace gangway::integration
