#include "tests/support/test_database.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include <cppconn/connection.h>
#include <cppconn/statement.h>

#include "common/db/db_pool.hpp"

namespace gangway::testing {
namespace {

std::string read_trimmed(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    if (s.empty()) throw std::runtime_error("cannot read " + p.string());
    return s;
}

void on_server(const database_config& server, const std::string& sql) {
    database_config admin = server;
    admin.name = "mysql";
    admin.pool_size = 1;
    db_pool pool(admin);
    auto done = pool.run_blocking([&](sql::Connection& c) {
        std::unique_ptr<sql::Statement> st(c.createStatement());
        st->execute(sql);
        return true;
    });
    if (!done) throw std::runtime_error("test database setup failed: " + done.message);
}

}  // namespace

std::filesystem::path mariadb_dir() {
    if (const char* dir = std::getenv("GANGWAY_MARIADB_DIR"); dir && *dir) return dir;
    if (const char* binary = std::getenv("GANGWAY_BINARY"); binary && *binary)
        return std::filesystem::path(binary).parent_path() / "mariadb";
    throw std::runtime_error("set GANGWAY_MARIADB_DIR (or GANGWAY_BINARY): where the CTest "
                             "fixture mariadb started the test servers");
}

test_database::test_database(const std::string& server) : server_dir_(mariadb_dir() / server) {
    static std::atomic<int> counter{0};
    cfg_.host = "127.0.0.1";
    cfg_.port = static_cast<std::uint16_t>(std::stoi(read_trimmed(server_dir_ / "port")));
    cfg_.user = "gangway";
    cfg_.password = read_trimmed(server_dir_ / "password");
    cfg_.name = "t_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
    cfg_.pool_size = 2;
    on_server(cfg_, "CREATE DATABASE " + cfg_.name);
}

test_database::~test_database() {
    try {
        on_server(cfg_, "DROP DATABASE IF EXISTS " + cfg_.name);
    } catch (const std::exception&) {
        // The server may be the one a test stopped; the fixture removes it all anyway.
    }
}

std::filesystem::path test_database::password_file() const { return server_dir_ / "password"; }

void test_database::execute(const std::string& sql) const {
    database_config own = cfg_;
    own.pool_size = 1;
    db_pool pool(own);
    auto done = pool.run_blocking([&](sql::Connection& c) {
        std::unique_ptr<sql::Statement> st(c.createStatement());
        st->execute(sql);
        return true;
    });
    if (!done) throw std::runtime_error("test SQL failed: " + done.message);
}

}  // namespace gangway::testing
