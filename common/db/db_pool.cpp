#include "common/db/db_pool.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

namespace gangway {
namespace {

// Client error codes (errmsg.h) and server codes that mean "this connection is gone".
bool connection_lost(int code) {
    return code == 2002 || code == 2003 || code == 2006 || code == 2013 || code == 2055 ||
           code == 1927 /* ER_CONNECTION_KILLED */ || code == 4031 /* idle timeout */;
}

db_error classify(const sql::SQLException& e) {
    const int code = e.getErrorCode();
    if (code == 1969 /* MariaDB max_statement_time */ || code == 3024 /* MySQL */) return db_error::timeout;
    if (connection_lost(code) || code == 1045 /* access denied */ || code == 1040 /* too many */ ||
        code == 2005 /* unknown host */ || code == 1049 /* unknown database */)
        return db_error::unavailable;
    if (code == 1062) return db_error::conflict;
    return db_error::failed;
}

// The driver instance is created once (its first call is not thread-safe); each thread that
// uses the driver registers itself once.
sql::mysql::MySQL_Driver& driver() {
    static sql::mysql::MySQL_Driver* instance = sql::mysql::get_mysql_driver_instance();
    struct thread_registration {
        thread_registration() { instance->threadInit(); }
        ~thread_registration() { instance->threadEnd(); }
    };
    thread_local thread_registration registered;
    return *instance;
}

int seconds_up(std::chrono::milliseconds ms) {
    return static_cast<int>((ms.count() + 999) / 1000);
}

}  // namespace

std::string_view db_error_name(db_error e) noexcept {
    switch (e) {
        case db_error::none: return "none";
        case db_error::unavailable: return "unavailable";
        case db_error::timeout: return "timeout";
        case db_error::conflict: return "conflict";
        case db_error::failed: return "failed";
    }
    return "failed";
}

db_pool::db_pool(database_config cfg)
    : cfg_(std::move(cfg)), workers_(cfg_.pool_size) {}

db_pool::~db_pool() {
    workers_.join();
    std::lock_guard lock(mutex_);
    idle_.clear();
}

std::unique_ptr<sql::Connection> db_pool::connect() {
    sql::ConnectOptionsMap options;
    if (!cfg_.unix_socket.empty()) {
        options["socket"] = cfg_.unix_socket;
        options["hostName"] = std::string("localhost");
    } else {
        options["hostName"] = cfg_.host;
        options["port"] = static_cast<int>(cfg_.port);
    }
    options["userName"] = cfg_.user;
    options["password"] = cfg_.password;
    options["schema"] = cfg_.name;
    options["OPT_CONNECT_TIMEOUT"] = seconds_up(cfg_.connect_timeout);
    // A network backstop above the statement limit: a silent server cannot hang a worker.
    options["OPT_READ_TIMEOUT"] = seconds_up(cfg_.query_timeout) + 1;
    options["OPT_WRITE_TIMEOUT"] = seconds_up(cfg_.query_timeout) + 1;
    options["OPT_RECONNECT"] = false;
    options["OPT_CHARSET_NAME"] = std::string("utf8mb4");
    std::unique_ptr<sql::Connection> c(driver().connect(options));
    std::unique_ptr<sql::Statement> st(c->createStatement());
    char limit[64];
    std::snprintf(limit, sizeof limit, "SET SESSION max_statement_time = %.3f",
                  static_cast<double>(cfg_.query_timeout.count()) / 1000.0);
    try {
        st->execute(limit);  // MariaDB; MySQL has no such variable for every statement
    } catch (const sql::SQLException&) {
    }
    st->execute("SET SESSION time_zone = '+00:00'");
    return c;
}

std::unique_ptr<sql::Connection> db_pool::take(bool& granted) {
    std::unique_lock lock(mutex_);
    // Every holder gives its connection back within about one connect plus one statement.
    granted = available_.wait_for(lock, cfg_.connect_timeout + cfg_.query_timeout,
                                  [&] { return !idle_.empty() || out_ < cfg_.pool_size; });
    if (!granted) return nullptr;
    ++out_;
    if (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        return c;
    }
    return nullptr;  // the caller opens a new one, outside the lock
}

void db_pool::give_back(std::unique_ptr<sql::Connection> c) {
    {
        std::lock_guard lock(mutex_);
        --out_;
        if (c) idle_.push_back(std::move(c));
    }
    available_.notify_one();
}

std::string db_pool::describe(const std::string& what) const {
    std::string text = "database " + cfg_.name + " at " +
                       (cfg_.unix_socket.empty() ? cfg_.host + ":" + std::to_string(cfg_.port)
                                                 : cfg_.unix_socket) +
                       ": " + what;
    // Servers do not echo passwords, but a message is no place to find out that one did.
    if (cfg_.password.size() >= 4) {
        for (auto at = text.find(cfg_.password); at != std::string::npos;
             at = text.find(cfg_.password, at))
            text.replace(at, cfg_.password.size(), "***");
    }
    return text;
}

void db_pool::attempt(const std::function<void(sql::Connection&)>& body, db_error& error,
                      std::string& message) {
    for (int round = 0; round < 2; ++round) {
        bool granted = false;
        std::unique_ptr<sql::Connection> c = take(granted);
        if (!granted) {
            error = db_error::timeout;
            message = describe("no connection of " + std::to_string(cfg_.pool_size) +
                               " became free within connect_timeout + query_timeout");
            return;
        }
        bool opening = false;
        const auto started = std::chrono::steady_clock::now();
        try {
            if (!c || c->isClosed()) {
                opening = true;
                c = connect();
                opening = false;
            }
            body(*c);
            give_back(std::move(c));
            error = db_error::none;
            message.clear();
            return;
        } catch (const sql::SQLException& e) {
            const int code = e.getErrorCode();
            error = classify(e);
            // 2013 after the network read timeout: the server is slow or silent, not gone;
            // running fn again would only double the wait.
            const auto read_timeout = std::chrono::seconds(seconds_up(cfg_.query_timeout) + 1);
            if (code == 2013 && !opening && std::chrono::steady_clock::now() - started >= read_timeout)
                error = db_error::timeout;
            message = describe(std::string(e.what()) + " (error " + std::to_string(code) + ")");
            // After any error the connection's state (open transaction, half-read result) is
            // unknown: it is not reused.
            give_back(nullptr);
            // A connection that could not be opened is not retried: that would double the
            // connect timeout for a server that is down.
            if (opening || !connection_lost(code) || error == db_error::timeout) return;
        } catch (const std::exception& e) {
            give_back(nullptr);
            error = db_error::failed;
            message = describe(std::string("database access failed: ") + e.what());
            return;
        }
    }
}

}  // namespace gangway
