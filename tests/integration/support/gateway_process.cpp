#include "tests/integration/support/gateway_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

extern char** environ;

namespace gangway::integration {
namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr int poll_interval_ms = 2;
constexpr auto stop_grace = std::chrono::seconds(5);

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void write_file(const fs::path& p, std::string_view text) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + p.string());
}

std::string toml_string(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    return out + "\"";
}

std::string random_token() {
    std::random_device rd;
    static constexpr char hex[] = "0123456789abcdef";
    std::string token;
    for (int i = 0; i < 40; ++i) token.push_back(hex[rd() % 16]);
    return token;
}

// Starts `argv` with stdout and stderr redirected to the given files, stdin from /dev/null,
// default signal dispositions and no inherited descriptors beyond the three standard ones
// (a client socket held open by a child would hide a close from the gateway).
pid_t spawn(const std::vector<std::string>& args, const fs::path& out, const fs::path& err) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGPIPE}) sigaddset(&defaults, sig);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) throw std::runtime_error("cannot start " + args[0] + ": " + std::strerror(rc));
    return pid;
}

// The exit status of `pid` once reaped (128 + signal when a signal ended it), nullopt while
// it is still running.
std::optional<int> reap(pid_t pid) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r != pid) return std::nullopt;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

std::optional<int> wait_pid(pid_t pid, std::chrono::milliseconds within) {
    std::optional<int> status;
    wait_until(within, [&] { return (status = reap(pid)).has_value(); });
    return status;
}

std::string env_or_empty(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

}  // namespace

gateway_settings settings_for(std::vector<std::uint16_t> upstream_ports) {
    gateway_settings s;
    s.upstream_ports = std::move(upstream_ports);
    return s;
}

bool wait_until(std::chrono::milliseconds within, const std::function<bool()>& condition) {
    auto deadline = clock_type::now() + within;
    for (;;) {
        if (condition()) return true;
        if (clock_type::now() >= deadline) return false;
        ::poll(nullptr, 0, poll_interval_ms);
    }
}

fs::path gangway_binary() {
    auto p = env_or_empty("GANGWAY_BINARY");
    if (p.empty()) throw std::runtime_error("GANGWAY_BINARY is not set (path of the gangway binary)");
    return p;
}

fs::path cert_dir() {
    static const fs::path dir = [] {
        fs::path d = env_or_empty("GANGWAY_CERT_DIR");
        if (d.empty()) d = gangway_binary().parent_path() / "certs";
        auto complete = [&] {
            return fs::exists(d / "localhost.crt") && fs::exists(d / "localhost.key") &&
                   fs::exists(d / "ca.crt");
        };
        if (complete()) return d;
        fs::create_directories(d);
        // Several test processes may start at once; one of them makes the certificates.
        int lock = ::open((d / ".make-dev-certs.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (lock < 0) throw std::runtime_error("cannot lock " + d.string());
        struct unlock_on_exit {
            int fd;
            ~unlock_on_exit() { ::close(fd); }  // closing releases the flock
        } unlock{lock};
        if (::flock(lock, LOCK_EX) != 0) throw std::runtime_error("cannot lock " + d.string());
        if (!complete()) {
            auto source = env_or_empty("GANGWAY_SOURCE_DIR");
            if (source.empty())
                throw std::runtime_error("certificates missing in " + d.string() +
                                         " and GANGWAY_SOURCE_DIR is not set");
            temp_dir logs;
            auto pid = spawn({"/bin/bash", source + "/certs/make-dev-certs.sh", d.string()},
                             logs.path() / "out", logs.path() / "err");
            auto status = wait_pid(pid, std::chrono::seconds(60));
            if (status != 0 || !complete())
                throw std::runtime_error("make-dev-certs.sh failed: " +
                                         read_file(logs.path() / "err"));
        }
        return d;
    }();
    return dir;
}

std::string ca_file() { return (cert_dir() / "ca.crt").string(); }

temp_dir::temp_dir() {
    auto base = fs::temp_directory_path() / "gangway-it-XXXXXX";
    std::string pattern = base.string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
}

temp_dir::~temp_dir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
}

command_result run_gangway(const std::vector<std::string>& args, std::chrono::milliseconds within) {
    temp_dir dir;
    std::vector<std::string> argv{gangway_binary().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto pid = spawn(argv, dir.path() / "out", dir.path() / "err");
    command_result result;
    auto status = wait_pid(pid, within);
    if (!status) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
    } else {
        result.exit_code = *status;
    }
    result.out = read_file(dir.path() / "out");
    result.err = read_file(dir.path() / "err");
    return result;
}

gateway_process::gateway_process(const gateway_settings& settings,
                                 std::chrono::milliseconds ready_within)
    : token_(random_token()) {
    auto token_path = dir() / "admin.token";
    write_file(token_path, token_ + "\n");
    ::chmod(token_path.c_str(), 0600);
    write_config(config_text(settings));
    auto ready = dir() / "ready.json";
    pid_ = spawn({gangway_binary().string(), "serve", "--config", config_path().string(),
                  "--ready-file", ready.string()},
                 dir() / "stdout.log", dir() / "stderr.log");

    bool up = wait_until(ready_within, [&] {
        if ((exit_status_ = reap(pid_))) return true;
        if (!fs::exists(ready)) return false;
        auto j = nlohmann::json::parse(read_file(ready), nullptr, false);
        if (j.is_discarded() || !j.contains("admin_port")) return false;
        tls_port_ = j.value("tls_port", std::uint16_t{0});
        plain_port_ = j.value("plain_port", std::uint16_t{0});
        admin_port_ = j.value("admin_port", std::uint16_t{0});
        return true;
    });
    if (exit_status_)
        throw std::runtime_error("gangway exited with " + std::to_string(*exit_status_) +
                                 " before it was ready:\n" + stderr_text());
    if (!up) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        exit_status_ = 128 + SIGKILL;
        throw std::runtime_error("gangway did not write its ready file in time:\n" + stderr_text());
    }
}

gateway_process::~gateway_process() {
    if (exit_status_) return;
    ::kill(pid_, SIGTERM);
    if (wait_exit(stop_grace)) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
}

std::string gateway_process::config_text(const gateway_settings& s) const {
    auto extra = s.extra;
    auto table = [&](const std::string& name, std::vector<std::string> lines) {
        auto more = extra.find(name);
        if (more != extra.end()) {
            lines.insert(lines.end(), more->second.begin(), more->second.end());
            extra.erase(more);
        }
        std::string out = "[" + name + "]\n";
        for (const auto& l : lines) out += l + "\n";
        return out + "\n";
    };
    auto list = [](const std::vector<std::string>& items) {
        std::string out = "[";
        for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + toml_string(items[i]);
        return out + "]";
    };
    std::vector<std::string> servers;
    for (auto p : s.upstream_ports) servers.push_back("127.0.0.1:" + std::to_string(p));
    auto certs = cert_dir();

    std::string text;
    std::vector<std::string> server{"worker_threads = " + std::to_string(s.worker_threads)};
    if (s.idle_poll_us) server.push_back("idle_poll_us = " + std::to_string(*s.idle_poll_us));
    text += table("server", server);
    text += table("server.tls", {"listen = " + toml_string(s.tls_listen),
                                 "cert_file = " + toml_string((certs / (s.cert_name + ".crt")).string()),
                                 "key_file = " + toml_string((certs / (s.cert_name + ".key")).string())});
    text += table("server.plain", {"listen = \"127.0.0.1:0\""});
    text += table("admin", {"listen = \"127.0.0.1:0\"",
                            "token_file = " + toml_string((dir() / "admin.token").string())});
    text += table("timeouts", {"upstream_response_ms = " + std::to_string(s.upstream_response_ms),
                               "drain_ms = " + std::to_string(s.drain_ms)});
    text += table("upstream",
                  {"servers = " + list(servers), "websocket_paths = " + list(s.websocket_paths)});
    text += table("log", {"level = \"warn\"", "access_log = \"stdout\""});
    while (!extra.empty()) text += table(extra.begin()->first, {});
    return text;
}

void gateway_process::write_config(std::string_view toml) const {
    auto tmp = dir() / "gangway.toml.tmp";
    write_file(tmp, toml);
    fs::rename(tmp, config_path());
}

std::uint64_t gateway_process::rss_kib() const {
    std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10);
    return 0;
}

std::chrono::milliseconds gateway_process::cpu_time() const {
    std::ifstream stat("/proc/" + std::to_string(pid_) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    // Fields after the command name (which may hold spaces) start at field 3: state.
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int n = 3; fields >> field; ++n) {
        if (n == 14) utime = std::stoull(field);
        if (n == 15) {
            stime = std::stoull(field);
            break;
        }
    }
    return std::chrono::milliseconds{(utime + stime) * 1000 / ::sysconf(_SC_CLK_TCK)};
}

void gateway_process::send_signal(int sig) const {
    if (!exit_status_) ::kill(pid_, sig);
}

std::optional<int> gateway_process::wait_exit(std::chrono::milliseconds within) {
    if (!exit_status_) exit_status_ = wait_pid(pid_, within);
    return exit_status_;
}

std::string gateway_process::stdout_text() const { return read_file(dir() / "stdout.log"); }
std::string gateway_process::stderr_text() const { return read_file(dir() / "stderr.log"); }

http_response gateway_process::admin(std::string_view method, std::string_view path,
                                     bool with_token) const {
    std::string request = std::string(method) + " " + std::string(path) +
                          " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    if (with_token) request += "Authorization: Bearer " + token_ + "\r\n";
    request += "Content-Length: 0\r\n\r\n";
    return fetch(transport::plain, admin_port_, {}, request);
}

}  // namespace gangway::integration
