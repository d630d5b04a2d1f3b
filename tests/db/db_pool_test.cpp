// db_pool against a real MariaDB (the CTest fixture `mariadb`): executor hops, the
// concurrency bound, statement timeouts, reconnects and connect failures.
#include <utility>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cppconn/connection.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <gtest/gtest.h>

#include "common/db/db_pool.hpp"
#include "tests/support/test_database.hpp"

namespace gangway {
namespace {

using namespace std::chrono_literals;
namespace net = boost::asio;

std::uint64_t scalar(sql::Connection& c, const std::string& query) {
    std::unique_ptr<sql::Statement> st(c.createStatement());
    std::unique_ptr<sql::ResultSet> r(st->executeQuery(query));
    r->next();
    return r->getUInt64(1);
}

// An io_context run by one thread of its own, stopped and joined on destruction.
class io_thread {
public:
    io_thread() : guard_(net::make_work_guard(ioc_)), thread_([this] { ioc_.run(); }) {}
    ~io_thread() {
        guard_.reset();
        ioc_.stop();
        thread_.join();
    }
    net::io_context& context() { return ioc_; }
    std::thread::id id() const { return thread_.get_id(); }

private:
    net::io_context ioc_;
    net::executor_work_guard<net::io_context::executor_type> guard_;
    std::thread thread_;
};

TEST(DbPool, RunResumesOnTheAwaitingCoroutinesExecutor) {
    testing::test_database db;
    db_pool pool(db.config());
    io_thread io;

    struct observed {
        std::thread::id before, worker, after;
        std::uint64_t one = 0;
        bool ok = false;
    };
    std::promise<observed> done;
    net::co_spawn(
        io.context(),
        [&]() -> net::awaitable<void> {
            observed o;
            o.before = std::this_thread::get_id();
            auto r = co_await pool.run([&](sql::Connection& c) {
                o.worker = std::this_thread::get_id();
                return scalar(c, "SELECT 1");
            });
            o.after = std::this_thread::get_id();
            o.ok = static_cast<bool>(r);
            if (r) o.one = *r.value;
            done.set_value(o);
        },
        net::detached);
    auto future = done.get_future();
    ASSERT_EQ(future.wait_for(10s), std::future_status::ready);
    const observed o = future.get();
    EXPECT_TRUE(o.ok);
    EXPECT_EQ(o.one, 1u);
    EXPECT_EQ(o.before, io.id());
    EXPECT_EQ(o.after, io.id()) << "run() must resume on the coroutine's own executor";
    EXPECT_NE(o.worker, io.id()) << "the query must not run on the I/O thread";
}

TEST(DbPool, AtMostPoolSizeUnitsOfWorkRunAtOnce) {
    testing::test_database db;
    database_config cfg = db.config();
    cfg.pool_size = 2;
    db_pool pool(cfg);
    io_thread io;

    std::atomic<int> running{0}, most{0}, finished{0}, failed{0};
    std::promise<void> all_done;
    constexpr int units = 8;
    const auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < units; ++i) {
        net::co_spawn(
            io.context(),
            [&]() -> net::awaitable<void> {
                auto r = co_await pool.run([&](sql::Connection& c) {
                    const int now = ++running;
                    int seen = most.load();
                    while (now > seen && !most.compare_exchange_weak(seen, now)) {
                    }
                    const auto slept = scalar(c, "SELECT SLEEP(0.2)");
                    --running;
                    return slept;
                });
                if (!r) ++failed;
                if (++finished == units) all_done.set_value();
            },
            net::detached);
    }
    ASSERT_EQ(all_done.get_future().wait_for(20s), std::future_status::ready);
    const auto elapsed = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(failed.load(), 0);
    EXPECT_EQ(most.load(), 2) << "pool_size 2 must allow two, and only two, at once";
    EXPECT_GE(elapsed, 800ms) << "8 x 0.2 s over 2 connections cannot take less";
}

TEST(DbPool, AStatementPastTheQueryTimeoutFailsWithTimeout) {
    testing::test_database db;
    database_config cfg = db.config();
    cfg.query_timeout = 300ms;
    db_pool pool(cfg);
    const auto started = std::chrono::steady_clock::now();
    auto r = pool.run_blocking([](sql::Connection& c) { return scalar(c, "SELECT SLEEP(5)"); });
    const auto elapsed = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(r.error, db_error::timeout) << r.message;
    EXPECT_FALSE(r.value);
    EXPECT_LT(elapsed, 2s);
    // The connection that timed out is not reused in a bad state: the next work succeeds.
    auto next = pool.run_blocking([](sql::Connection& c) { return scalar(c, "SELECT 7"); });
    ASSERT_TRUE(next) << next.message;
    EXPECT_EQ(*next.value, 7u);
}

TEST(DbPool, AConnectionKilledByTheServerIsReplacedAndTheWorkRetried) {
    testing::test_database db;
    database_config cfg = db.config();
    cfg.pool_size = 1;  // the next run() is sure to get the killed connection
    db_pool pool(cfg);
    auto first = pool.run_blocking([](sql::Connection& c) { return scalar(c, "SELECT CONNECTION_ID()"); });
    ASSERT_TRUE(first) << first.message;

    db.execute("KILL " + std::to_string(*first.value));

    auto second = pool.run_blocking([](sql::Connection& c) { return scalar(c, "SELECT CONNECTION_ID()"); });
    ASSERT_TRUE(second) << second.message;
    EXPECT_NE(*second.value, *first.value) << "a fresh connection replaces the killed one";
}

TEST(DbPool, NothingListeningIsUnavailableWithinTheConnectTimeout) {
    std::uint16_t port = 0;
    {
        // A port that was free a moment ago: nothing listens there now.
        net::io_context ioc;
        net::ip::tcp::acceptor probe(ioc, {net::ip::make_address("127.0.0.1"), 0});
        port = probe.local_endpoint().port();
    }
    database_config cfg;
    cfg.host = "127.0.0.1";
    cfg.port = port;
    cfg.user = "gangway";
    cfg.password = "irrelevant";
    cfg.name = "nothing";
    cfg.pool_size = 1;
    cfg.connect_timeout = 1000ms;
    db_pool pool(cfg);
    const auto started = std::chrono::steady_clock::now();
    auto r = pool.run_blocking([](sql::Connection& c) { return scalar(c, "SELECT 1"); });
    EXPECT_EQ(r.error, db_error::unavailable) << r.message;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1500ms);
    EXPECT_NE(r.message.find(std::to_string(port)), std::string::npos) << r.message;
}

TEST(DbPool, AWrongPasswordIsUnavailableAndNeverShowsThePassword) {
    testing::test_database db;
    database_config cfg = db.config();
    cfg.password = "wrong-Secret-4711";
    cfg.pool_size = 1;
    db_pool pool(cfg);
    auto r = pool.run_blocking([](sql::Connection& c) { return scalar(c, "SELECT 1"); });
    EXPECT_EQ(r.error, db_error::unavailable);
    EXPECT_FALSE(r.message.empty());
    EXPECT_EQ(r.message.find("wrong-Secret-4711"), std::string::npos) << r.message;
    EXPECT_EQ(r.message.find(db.config().password), std::string::npos) << r.message;
}

TEST(DbPool, DuplicateKeyIsAConflictAndAnExceptionFromTheWorkIsFailed) {
    testing::test_database db;
    db.execute("CREATE TABLE t (id INT PRIMARY KEY)");
    db_pool pool(db.config());
    auto insert = [](sql::Connection& c) {
        std::unique_ptr<sql::Statement> st(c.createStatement());
        st->execute("INSERT INTO t VALUES (1)");
        return true;
    };
    ASSERT_TRUE(pool.run_blocking(insert));
    EXPECT_EQ(pool.run_blocking(insert).error, db_error::conflict);
    auto thrown = pool.run_blocking([](sql::Connection&) -> int { throw std::runtime_error("no"); });
    EXPECT_EQ(thrown.error, db_error::failed);
    EXPECT_NE(thrown.message.find("no"), std::string::npos);
}

TEST(DbPool, WaitingForAFreeConnectionIsBounded) {
    testing::test_database db;
    database_config cfg = db.config();
    cfg.pool_size = 1;
    cfg.connect_timeout = 1000ms;
    cfg.query_timeout = 1000ms;  // a waiter gives up after 2 s
    db_pool pool(cfg);
    std::promise<void> holding, release;
    auto release_future = release.get_future().share();
    std::thread holder([&] {
        pool.run_blocking([&](sql::Connection&) {
            holding.set_value();
            // Holds the only connection until the waiter below has given up (bounded).
            release_future.wait_for(10s);
            return true;
        });
    });
    holding.get_future().wait();
    const auto started = std::chrono::steady_clock::now();
    auto r = pool.run_blocking([](sql::Connection& c) { return scalar(c, "SELECT 1"); });
    const auto waited = std::chrono::steady_clock::now() - started;
    release.set_value();
    holder.join();
    EXPECT_EQ(r.error, db_error::timeout) << r.message;
    EXPECT_GE(waited, 1900ms);
    EXPECT_LT(waited, 5s);
}

}  // namespace
}  // namespace gangway
