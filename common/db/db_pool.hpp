#pragma once

#include <utility>  // Asio 1.18's awaitable.hpp needs it first

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include "common/config/config.hpp"
#include "common/net/offload.hpp"

namespace sql {
class Connection;
}

namespace gangway {

enum class db_error {
    none,
    unavailable,  // cannot connect, refused credentials, connection lost
    timeout,      // the statement ran longer than query_timeout
    conflict,     // duplicate key
    failed,       // anything else the server refused
};

std::string_view db_error_name(db_error e) noexcept;

template <class T>
struct db_result {
    std::optional<T> value;
    db_error error = db_error::none;
    std::string message;  // for logs and operators; never holds the password
    explicit operator bool() const noexcept { return value.has_value(); }
};

// A bounded pool of MySQL Connector/C++ connections to one database, with worker threads of
// its own (as many as connections): I/O threads hand work over with run() and never wait on
// the database. Connections open lazily, with the connect timeout; each statement is bounded
// by query_timeout (max_statement_time on MariaDB, and the network read/write timeouts).
// A connection that fails with a connection-level error is dropped and the work is retried
// once on a fresh one, so `fn` must be idempotent or run its writes in one transaction.
class db_pool {
public:
    explicit db_pool(database_config cfg);
    ~db_pool();
    db_pool(const db_pool&) = delete;
    db_pool& operator=(const db_pool&) = delete;

    // Runs fn(sql::Connection&) on the calling thread with a pooled connection (CLI commands,
    // the placement refresher's own thread). Never call it on an I/O thread. Waits at most
    // connect_timeout + query_timeout for a free connection, then fails with
    // db_error::timeout. A failure to open a connection is not retried (it already waited
    // the connect timeout); a connection lost during fn is, once.
    template <class Fn>
    auto run_blocking(Fn&& fn) -> db_result<std::invoke_result_t<Fn&, sql::Connection&>> {
        using T = std::invoke_result_t<Fn&, sql::Connection&>;
        db_result<T> result;
        attempt([&](sql::Connection& c) { result.value.emplace(fn(c)); }, result.error,
                result.message);
        return result;
    }

    // Runs fn on one of the pool's threads and resumes the awaiting coroutine on its own
    // executor with the result.
    template <class Fn>
    auto run(Fn fn) -> boost::asio::awaitable<db_result<std::invoke_result_t<Fn&, sql::Connection&>>> {
        // Named, not a temporary in the co_await: GCC 12 destroys such a temporary twice
        // when it owns resources (fn often captures strings).
        auto work = [this, fn = std::move(fn)]() mutable { return run_blocking(fn); };
        co_return co_await offload(workers_, std::move(work));
    }

    const database_config& settings() const noexcept { return cfg_; }

private:
    struct lease;
    // Calls body with a connection, retrying once after a connection-level failure; on
    // failure sets error and message.
    void attempt(const std::function<void(sql::Connection&)>& body, db_error& error,
                 std::string& message);
    // A pooled connection, or null with `granted` true when the caller may open a new one;
    // `granted` false when none freed up in time.
    std::unique_ptr<sql::Connection> take(bool& granted);
    void give_back(std::unique_ptr<sql::Connection> c);
    std::unique_ptr<sql::Connection> connect();
    std::string describe(const std::string& what) const;  // never holds the password

    database_config cfg_;
    std::mutex mutex_;
    std::condition_variable available_;
    std::vector<std::unique_ptr<sql::Connection>> idle_;
    std::size_t out_ = 0;  // connections handed out or being opened
    boost::asio::thread_pool workers_;
};

}  // namespace gangway
