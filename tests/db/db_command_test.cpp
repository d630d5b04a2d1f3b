// `gangway db init|upgrade --config FILE` through the real binary (GANGWAY_BINARY) against a
// fresh database on the fixture's server.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

#include <cppconn/connection.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <gtest/gtest.h>

#include "common/db/db_pool.hpp"
#include "common/db/schema_migrations.hpp"
#include "tests/support/test_database.hpp"

namespace gangway {
namespace {

namespace fs = std::filesystem;

struct outcome {
    int exit_code = -1;
    std::string output;  // stdout and stderr together
};

// Runs `gangway <args>` bounded by coreutils timeout(1), capturing its output.
outcome gangway(const std::string& args) {
    const char* binary = std::getenv("GANGWAY_BINARY");
    if (!binary) throw std::runtime_error("GANGWAY_BINARY is not set");
    const std::string command = "timeout 30 '" + std::string(binary) + "' " + args + " 2>&1";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
    if (!pipe) throw std::runtime_error("popen failed");
    outcome o;
    std::array<char, 4096> buffer;
    while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe.get()))
        o.output.append(buffer.data(), n);
    const int status = ::pclose(pipe.release());
    if (WIFEXITED(status)) o.exit_code = WEXITSTATUS(status);
    return o;
}

// A directory with a minimal per-account-routing config pointing at `db`.
class config_dir {
public:
    explicit config_dir(const testing::test_database& db, bool with_database = true)
        : path_(fs::temp_directory_path() / ("gangway-db-cmd-" + std::to_string(::getpid()) + "-" +
                                              std::to_string(++counter_))) {
        fs::create_directories(path_);
        write("db.password", db.config().password);
        // 32 zero bytes, base64: the loader only needs readable files here.
        write("session.keys", "s1 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
        write("assertion.keys", "a1 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
        write("admin.token", "test-admin-token-0123456789abcdef\n");
        std::string toml =
            "[server.plain]\nlisten = \"127.0.0.1:0\"\n\n"
            "[admin]\nlisten = \"127.0.0.1:0\"\ntoken_file = \"" + (path_ / "admin.token").string() +
            "\"\n\n"
            "[upstream]\nservers = [\"127.0.0.1:9\"]\n\n";
        if (with_database) {
            toml += "[site]\nname = \"legacy\"\n\n"
                    "[sites.legacy]\norigin = \"https://legacy.example.com\"\n\n"
                    "[session]\nkeys_file = \"" + (path_ / "session.keys").string() +
                    "\"\nassertion_keys_file = \"" + (path_ / "assertion.keys").string() + "\"\n\n"
                    "[database]\nhost = \"127.0.0.1\"\nport = " + std::to_string(db.config().port) +
                    "\nuser = \"" + db.config().user + "\"\npassword_file = \"" +
                    (path_ / "db.password").string() + "\"\nname = \"" + db.config().name +
                    "\"\npool_size = 1\nconnect_timeout_ms = 2000\nquery_timeout_ms = 10000\n";
        }
        write("gangway.toml", toml);
    }
    ~config_dir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    std::string config() const { return (path_ / "gangway.toml").string(); }

private:
    void write(const std::string& name, const std::string& text) const {
        std::ofstream(path_ / name, std::ios::binary | std::ios::trunc) << text;
    }
    static inline int counter_ = 0;
    fs::path path_;
};

TEST(DbCommand, InitCreatesTheTablesAndUpgradeThenHasNothingToDo) {
    testing::test_database db;
    config_dir dir(db);

    const outcome init = gangway("db init --config " + dir.config());
    ASSERT_EQ(init.exit_code, 0) << init.output;
    EXPECT_NE(init.output.find("applied " + std::string(known_migrations().front().name)),
              std::string::npos)
        << init.output;
    EXPECT_EQ(init.output.find(db.config().password), std::string::npos);

    db_pool pool(db.config());
    auto version = pool.run_blocking([](sql::Connection& c) { return schema_version(c); });
    ASSERT_TRUE(version) << version.message;
    EXPECT_EQ(*version.value, known_migrations().back().version);

    const outcome upgrade = gangway("db upgrade --config " + dir.config());
    ASSERT_EQ(upgrade.exit_code, 0) << upgrade.output;
    EXPECT_NE(upgrade.output.find("already current"), std::string::npos) << upgrade.output;
}

TEST(DbCommand, UsageErrorsExitTwo) {
    testing::test_database db;
    config_dir no_database(db, /*with_database=*/false);
    const outcome missing = gangway("db init --config " + no_database.config());
    EXPECT_EQ(missing.exit_code, 2) << missing.output;
    EXPECT_NE(missing.output.find("the config has no [database] section"), std::string::npos)
        << missing.output;
    EXPECT_EQ(gangway("db frobnicate --config " + no_database.config()).exit_code, 2);
    EXPECT_EQ(gangway("db init").exit_code, 2);
}

TEST(DbCommand, AnUnreachableDatabaseExitsOne) {
    testing::test_database db;
    config_dir dir(db);
    db.execute("DROP DATABASE " + db.config().name);  // unknown database: cannot connect
    const outcome init = gangway("db init --config " + dir.config());
    EXPECT_EQ(init.exit_code, 1) << init.output;
    EXPECT_EQ(init.output.find(db.config().password), std::string::npos);
}

}  // namespace
}  // namespace gangway
