#pragma once

#include <cppconn/connection.h>
#include <cppconn/exception.h>

namespace gangway {

// One transaction on a pooled connection: rolled back unless committed, and autocommit put
// back either way, so an exception never leaves a transaction open for the next user of the
// connection.
class transaction {
public:
    explicit transaction(sql::Connection& c) : c_(c) { c_.setAutoCommit(false); }
    ~transaction() {
        try {
            if (!done_) c_.rollback();
            c_.setAutoCommit(true);
        } catch (const sql::SQLException&) {
            // The connection is broken; the pool drops connections that failed.
        }
    }
    transaction(const transaction&) = delete;
    transaction& operator=(const transaction&) = delete;

    void commit() {
        c_.commit();
        done_ = true;
    }

private:
    sql::Connection& c_;
    bool done_ = false;
};

}  // namespace gangway
