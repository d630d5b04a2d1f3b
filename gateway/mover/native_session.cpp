#include "gateway/mover/native_session.hpp"

#include <chrono>
#include <cstdio>
#include <mutex>

#include <mysql.h>

#include "gateway/mover/sql_literal.hpp"  // load_sql_mode

namespace gangway::mover {
namespace {

unsigned seconds_up(std::chrono::milliseconds ms) { return static_cast<unsigned>((ms.count() + 999) / 1000); }

void library_init() {
    static std::once_flag once;
    std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

}  // namespace

bool native_error::connection_lost() const noexcept {
    return code_ == 2006 || code_ == 2013 || code_ == 2055 || code_ == 1927 /* ER_CONNECTION_KILLED */ ||
           code_ == 4031 /* idle timeout */;
}

native_session::native_session(const database_config& cfg) {
    library_init();
    mysql_ = mysql_init(nullptr);
    if (!mysql_) throw native_error(2008, "out of memory for a database connection");
    const unsigned connect = seconds_up(cfg.connect_timeout);
    const unsigned network = seconds_up(cfg.query_timeout) + 1;  // a backstop above the statement limit
    mysql_options(mysql_, MYSQL_OPT_CONNECT_TIMEOUT, &connect);
    mysql_options(mysql_, MYSQL_OPT_READ_TIMEOUT, &network);
    mysql_options(mysql_, MYSQL_OPT_WRITE_TIMEOUT, &network);
    mysql_options(mysql_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    const bool socket = !cfg.unix_socket.empty();
    if (!mysql_real_connect(mysql_, socket ? "localhost" : cfg.host.c_str(), cfg.user.c_str(), cfg.password.c_str(),
                            cfg.name.c_str(), socket ? 0 : cfg.port, socket ? cfg.unix_socket.c_str() : nullptr,
                            0)) {
        const native_error e(mysql_errno(mysql_), mysql_error(mysql_));
        mysql_close(mysql_);
        throw e;
    }
    unsigned long capabilities = 0;
    arrays_ = mariadb_get_infov(mysql_, MARIADB_CONNECTION_EXTENDED_SERVER_CAPABILITIES, &capabilities) == 0 &&
              (capabilities & (MARIADB_CLIENT_STMT_BULK_OPERATIONS >> 32)) != 0;
    char limit[64];
    std::snprintf(limit, sizeof limit, "SET SESSION max_statement_time = %.3f",
                  static_cast<double>(cfg.query_timeout.count()) / 1000.0);
    execute(limit);
    execute("SET SESSION time_zone = '+00:00', foreign_key_checks = 0, sql_mode = '" + std::string(load_sql_mode) +
            "'");
}

native_session::~native_session() {
    for (auto& [sql, statement] : statements_) mysql_stmt_close(statement);
    mysql_close(mysql_);
}

void native_session::execute(const std::string& sql) {
    if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) {
        throw native_error(mysql_errno(mysql_), mysql_error(mysql_));
    }
    if (MYSQL_RES* rs = mysql_store_result(mysql_)) mysql_free_result(rs);
}

st_mysql_stmt* native_session::prepared(const std::string& sql) {
    auto& statement = statements_[sql];
    if (statement) return statement;
    statement = mysql_stmt_init(mysql_);
    if (!statement) throw native_error(2008, "out of memory for a prepared statement");
    if (mysql_stmt_prepare(statement, sql.data(), sql.size()) != 0) {
        const native_error e(mysql_stmt_errno(statement), mysql_stmt_error(statement));
        mysql_stmt_close(statement);
        statements_.erase(sql);
        throw e;
    }
    return statement;
}

void native_session::fail(st_mysql_stmt* statement) const {
    throw native_error(mysql_stmt_errno(statement), mysql_stmt_error(statement));
}

}  // namespace gangway::mover
