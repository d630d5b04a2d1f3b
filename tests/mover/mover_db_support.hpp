#pragma once

// For the mover's database tests: the example app's tables in a test database, its live
// catalog, a gateway config pointing at it, and the real gangway binary.

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>

#include "common/db/db_pool.hpp"
#include "gateway/mover/catalog_reader.hpp"
#include "tests/mover/mover_test_support.hpp"
#include "tests/support/test_database.hpp"

namespace gangway::mover::testing {

namespace fs = std::filesystem;

inline std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs a file of statements, each ending with ';' at the end of a line, on anything with
// execute(statement) (a test_database, an integration test's routed_site).
template <class Database>
void run_sql_file(const Database& db, const std::string& path) {
    const std::string text = read_text(path);
    std::size_t begin = 0;
    for (std::size_t end = text.find(";\n"); end != std::string::npos;
         end = text.find(";\n", begin)) {
        db.execute(text.substr(begin, end - begin));
        begin = end + 2;
    }
}

template <class Database>
void create_example_app(const Database& db) {
    run_sql_file(db, example_app_sql_path());
}

inline database_catalog catalog_of(const gangway::testing::test_database& db) {
    database_config cfg = db.config();
    cfg.pool_size = 1;
    db_pool pool(cfg);
    auto catalog = pool.run_blocking([&](sql::Connection& c) { return read_catalog(c, cfg.name); });
    if (!catalog) throw std::runtime_error("reading the catalog failed: " + catalog.message);
    return std::move(*catalog.value);
}

struct outcome {
    int exit_code = -1;
    std::string output;  // stdout and stderr together
};

// Runs a shell command, stdout and stderr together, and waits for its exit.
inline outcome run_shell(const std::string& command) {
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
    if (!pipe) throw std::runtime_error("popen failed");
    outcome o;
    std::array<char, 4096> buffer;
    while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe.get())) {
        o.output.append(buffer.data(), n);
    }
    const int status = ::pclose(pipe.release());
    if (WIFEXITED(status)) o.exit_code = WEXITSTATUS(status);
    return o;
}

// Runs `gangway <args>` (GANGWAY_BINARY) bounded by coreutils timeout(1).
// env: assignments for its environment ("NAME=value ...").
inline outcome run_gangway(const std::string& args, const std::string& env = "") {
    const char* binary = std::getenv("GANGWAY_BINARY");
    if (!binary) throw std::runtime_error("GANGWAY_BINARY is not set");
    return run_shell(env + " timeout 60 '" + std::string(binary) + "' " + args + " 2>&1");
}

// A temporary directory with a gateway config whose [database] is `db` (plus `extra` TOML),
// and room for model files.
class work_dir {
public:
    explicit work_dir(const gangway::testing::test_database& db, const std::string& extra = "",
                      bool with_database = true)
        : path_(fs::temp_directory_path() / ("gangway-schema-" + std::to_string(::getpid()) + "-" +
                                             std::to_string(++counter_))) {
        fs::create_directories(path_);
        write("db.password", db.config().password);
        write("admin.token", "test-admin-token-0123456789abcdef\n");
        // 32 zero bytes, base64: the loader only needs readable key files here.
        write("session.keys", "s1 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
        write("assertion.keys", "a1 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
        std::string toml =
            "[server.plain]\nlisten = \"127.0.0.1:0\"\n\n"
            "[admin]\nlisten = \"127.0.0.1:0\"\ntoken_file = \"admin.token\"\n\n"
            "[upstream]\nservers = [\"127.0.0.1:9\"]\n\n" +
            extra;
        if (with_database) {
            toml +=
                "\n[site]\nname = \"legacy\"\n\n"
                "[sites.legacy]\norigin = \"https://legacy.example.com\"\n\n"
                "[session]\nkeys_file = \"session.keys\"\n"
                "assertion_keys_file = \"assertion.keys\"\n";
            toml +=
                "\n[database]\nhost = \"127.0.0.1\"\nport = " + std::to_string(db.config().port) +
                "\nuser = \"" + db.config().user +
                "\"\npassword_file = \"db.password\"\nname = \"" + db.config().name +
                "\"\npool_size = 1\nconnect_timeout_ms = 2000\nquery_timeout_ms = 10000\n";
        }
        write("gangway.toml", toml);
    }
    ~work_dir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    work_dir(const work_dir&) = delete;
    work_dir& operator=(const work_dir&) = delete;

    std::string path(const std::string& name) const { return (path_ / name).string(); }
    std::string config() const { return path("gangway.toml"); }
    void write(const std::string& name, const std::string& text) const {
        std::ofstream(path_ / name, std::ios::binary | std::ios::trunc) << text;
    }

private:
    static inline int counter_ = 0;
    fs::path path_;
};

}  // namespace gangway::mover::testing
