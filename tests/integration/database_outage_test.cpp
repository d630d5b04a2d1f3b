// The database goes away mid-test and comes back (issue 3, acceptance point 4). This test runs
// its own MariaDB server (tests/support/mariadb.sh), so stopping it touches no other test.
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include <cppconn/connection.h>
#include <cppconn/statement.h>

#include <gtest/gtest.h>

#include "common/db/db_pool.hpp"
#include "tests/integration/support/fake_upstream.hpp"
#include "tests/integration/support/gateway_process.hpp"
#include "tests/integration/support/raw_client.hpp"
#include "tests/integration/support/routed_site.hpp"

namespace gangway::integration {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t active_account = 31;
constexpr std::uint64_t locked_account = 32;
constexpr std::uint64_t unknown_account = 33;

// One MariaDB server of this test's own, stopped with it.
class own_server {
public:
    own_server() {
        script_ = std::string(std::getenv("GANGWAY_SOURCE_DIR")) + "/tests/support/mariadb.sh";
        run("start", "outage");
    }
    ~own_server() { std::system(("bash " + script_ + " stop " + dir_.path().string() + " >/dev/null 2>&1").c_str()); }
    void pause() { run("pause", "outage"); }
    void resume() { run("resume", "outage"); }

    database_config config() const {
        database_config c;
        c.port = static_cast<std::uint16_t>(std::stoi(read("port")));
        c.user = "gangway";
        c.password = read("password");
        c.name = "outage";
        return c;
    }

private:
    void run(const std::string& verb, const std::string& name) const {
        const std::string cmd = "bash " + script_ + " " + verb + " " + dir_.path().string() + " " + name + " >/dev/null";
        if (std::system(cmd.c_str()) != 0) throw std::runtime_error("mariadb.sh " + verb + " failed");
    }
    std::string read(const std::string& file) const {
        std::ifstream in(dir_.path() / "outage" / file);
        std::string s;
        std::getline(in, s);
        return s;
    }
    temp_dir dir_;
    std::string script_;
};

database_config with_database(database_config c) {
    database_config admin = c;
    admin.name = "mysql";
    admin.pool_size = 1;
    db_pool pool(admin);
    auto made = pool.run_blocking([](sql::Connection& conn) {
        std::unique_ptr<sql::Statement>(conn.createStatement())->execute("CREATE DATABASE outage");
        return true;
    });
    if (!made) throw std::runtime_error(made.message);
    return c;
}

class DatabaseOutage : public ::testing::Test {
protected:
    http_response get(std::uint64_t account) {
        const std::string cookie = routed_site::cookie_field(site_.cookie(9, account, "x@example.com"));
        return fetch(transport::plain, gateway_->plain_port(), {},
                     simple_request("GET", "/", "Accept: text/html\r\n" + cookie));
    }
    std::string readiness() { return gateway_->admin("GET", "/readyz", false).body; }

    own_server server_;
    routed_site site_{with_database(server_.config())};
    fake_upstream upstream_;
    std::unique_ptr<gateway_process> gateway_;
};

TEST_F(DatabaseOutage, ActiveAccountsKeepWorkingOthersFailClosedAndAllRecovers) {
    gateway_settings s = site_.settings({upstream_.port()});
    s.extra["placement"] = {"refresh_interval_ms = 20", "heartbeat_interval_ms = 20",
                            "stale_serve_ms = 60000", "instance_ttl_ms = 65000",
                            "lock_retry_after_s = 1"};
    gateway_ = std::make_unique<gateway_process>(s);
    ASSERT_TRUE(wait_ready(*gateway_)) << gateway_->stderr_text();
    ASSERT_EQ(site_.accounts(*gateway_, {"add", std::to_string(active_account), std::to_string(locked_account)}).exit_code, 0);
    ASSERT_EQ(site_.accounts(*gateway_, {"lock", std::to_string(locked_account)}).exit_code, 0);
    ASSERT_TRUE(wait_until(5s, [&] { return get(active_account).status == 200; }));
    EXPECT_EQ(get(locked_account).status, 503);
    EXPECT_EQ(get(unknown_account).status, 503);

    server_.pause();
    ASSERT_TRUE(wait_until(10s, [&] { return readiness().rfind("degraded", 0) == 0; })) << readiness();
    EXPECT_EQ(gateway_->admin("GET", "/readyz", false).status, 200);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(get(active_account).status, 200);
    EXPECT_EQ(get(locked_account).status, 503);
    EXPECT_EQ(get(unknown_account).status, 503);

    server_.resume();
    ASSERT_TRUE(wait_until(15s, [&] { return readiness() == "ready\n"; })) << readiness();
    // Changes flow again, with no restart: unlock reaches the gateway.
    auto unlocked = site_.accounts(*gateway_, {"unlock", std::to_string(locked_account)});
    ASSERT_EQ(unlocked.exit_code, 0) << unlocked.err;
    EXPECT_TRUE(wait_until(2s, [&] { return get(locked_account).status == 200; }));
    EXPECT_EQ(get(active_account).status, 200);
}

TEST_F(DatabaseOutage, BeyondStaleServeEveryAccountFailsClosedUntilTheDatabaseReturns) {
    gateway_settings s = site_.settings({upstream_.port()});
    s.extra["placement"] = {"refresh_interval_ms = 20", "heartbeat_interval_ms = 20",
                            "stale_serve_ms = 300", "instance_ttl_ms = 5000"};
    gateway_ = std::make_unique<gateway_process>(s);
    ASSERT_TRUE(wait_ready(*gateway_)) << gateway_->stderr_text();
    ASSERT_EQ(site_.accounts(*gateway_, {"add", std::to_string(active_account)}).exit_code, 0);
    ASSERT_TRUE(wait_until(5s, [&] { return get(active_account).status == 200; }));

    server_.pause();
    ASSERT_TRUE(wait_until(10s, [&] { return gateway_->admin("GET", "/readyz", false).status == 503; }));
    EXPECT_EQ(get(active_account).status, 503);
    server_.resume();
    EXPECT_TRUE(wait_until(15s, [&] { return get(active_account).status == 200; }));
}

}  // namespace
}  // namespace gangway::integration
