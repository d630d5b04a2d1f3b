#pragma once
// One connection of MariaDB Connector/C (libmariadb) itself, for what Connector/C++ 1.1
// cannot do: binding an array of rows to one prepared statement (array_insert.hpp). The
// session is set up as db_pool's are (utf8mb4, time zone +00:00, max_statement_time from
// query_timeout, network timeouts above it) plus the copy's foreign_key_checks = 0 and
// load_sql_mode.

#include <map>
#include <stdexcept>
#include <string>

#include "common/config/config.hpp"

struct st_mysql;
struct st_mysql_stmt;

namespace gangway::mover {

// A statement or connection the server (or the client library) failed; code is the
// server's or client's error number, as Connector/C++'s getErrorCode() gives it.
class native_error : public std::runtime_error {
public:
    native_error(unsigned code, const std::string& message) : std::runtime_error(message), code_(code) {}
    unsigned code() const noexcept { return code_; }
    // The connection is gone (server gone away, lost, killed): run it again on a new one.
    bool connection_lost() const noexcept;

private:
    unsigned code_;
};

class native_session {
public:
    // Connects; throws native_error. The password never appears in a message.
    explicit native_session(const database_config& cfg);
    ~native_session();
    native_session(const native_session&) = delete;
    native_session& operator=(const native_session&) = delete;

    // False for a server that cannot take an array of rows per statement (MySQL, MariaDB
    // before 10.2).
    bool takes_arrays() const noexcept { return arrays_; }
    void execute(const std::string& sql);
    // The statement prepared for `sql`, once per session.
    st_mysql_stmt* prepared(const std::string& sql);
    [[noreturn]] void fail(st_mysql_stmt* statement) const;

private:
    st_mysql* mysql_ = nullptr;
    bool arrays_ = false;
    std::map<std::string, st_mysql_stmt*> statements_;
};

}  // namespace gangway::mover
