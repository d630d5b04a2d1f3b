#pragma once

// The copy step of `gangway migrate`: pages of rows from the row walker, inserted on the
// destination by `jobs` threads at once, each with its own connection, so the pages of
// several tables (and of one big table) load in parallel while the walker reads on.
//
// Each page goes in one transaction: on MariaDB, of one prepared single-row INSERT executed
// with arrays of rows bound to it (array_insert.hpp, each writer with a Connector/C session
// of its own); on a server without that, of prepared multi-row INSERTs with the rows bound as
// parameters (bound_insert.hpp). If the server refuses to prepare those, the page (and every
// later one) becomes multi-row INSERT statements of at most max_statement_bytes in
// autocommit. Either way foreign-key checks are off (rows arrive in read order, not
// dependency order), with utf8mb4, time zone +00:00 and load_sql_mode. A key that is already
// there fails the copy. A page or statement whose connection drops is run again once on a
// fresh connection, ignoring rows already there (it may have committed before the drop);
// verify then proves the rows. `ignore_existing` (a resumed copy) ignores them in every
// statement.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gateway/mover/native_session.hpp"
#include "gateway/mover/table_layout.hpp"

namespace sql {
class Connection;
}

namespace gangway {
class db_pool;
}

namespace gangway::mover {

// After a page is on the destination: its table, rows and statement bytes.
using written_callback = std::function<void(const std::string&, std::size_t, std::uint64_t)>;

class destination_writer {
public:
    // `pool` must have at least `jobs` connections and outlive the writer; so must every
    // layout handed to write().
    destination_writer(db_pool& pool, unsigned jobs, bool ignore_existing,
                       written_callback on_written);
    ~destination_writer();  // stops the threads; pages not yet written are dropped
    destination_writer(const destination_writer&) = delete;
    destination_writer& operator=(const destination_writer&) = delete;

    // Queues a page (waits while 2 x jobs pages are queued). Throws std::runtime_error with
    // the first writer's failure once one has failed.
    void write(const table_layout& table, std::vector<table_row> rows);

    // Waits until every page is written; throws the first failure.
    void finish();

    // From now on every statement is INSERT IGNORE (the walk restarted after a lost
    // connection: pages it sent before may be there already).
    void ignore_existing();
    // The same, because a read of the source runs again after its connection was lost
    // (counted in reads_again()).
    void read_again() {
        ++reads_again_;
        ignore_existing();
    }
    std::uint64_t reads_again() const noexcept { return reads_again_; }

    // Per table so far: rows and bytes of values written and seconds spent running them
    // (summed over the writers, so tables loading in parallel each count their own time).
    struct table_total {
        std::uint64_t rows = 0;
        std::uint64_t bytes = 0;
        double seconds = 0;
    };
    std::map<std::string, table_total> totals();

    // How the pages went so far: "array insert", "prepared insert", "insert" (statements with
    // the values in their text), or several joined by " and "; "" before any.
    std::string method() const;

    // Statements run again on a fresh connection after theirs was lost.
    std::uint64_t retried() const noexcept { return retried_; }

private:
    struct page {
        const table_layout* table;
        std::vector<table_row> rows;
    };
    using clock = std::chrono::steady_clock;
    void work();
    // False when the server cannot take arrays of rows (`session`: the thread's, opened here).
    bool insert_arrays(const page& p, std::unique_ptr<native_session>& session);
    bool bind(const page& p);  // false when the server refuses prepared statements
    // Runs fn(connection, again) in the copy's session (foreign-key checks off, load_sql_mode).
    // `again`: the pool runs it a second time after the connection was lost, and the first
    // attempt may have committed (counted in retried()). When fn returns true (it wrote), the
    // drop_connection test hook may kill the connection. Throws "<what> on the destination
    // failed: ...".
    void run_statement(const std::string& what, const std::function<bool(sql::Connection&, bool)>& fn);
    void insert(const page& p);
    void count(const page& p, std::uint64_t bytes, clock::time_point started);
    void stop();

    db_pool& pool_;
    std::atomic<bool> ignore_existing_;
    std::atomic<bool> arrays_;     // the server takes arrays of rows
    std::atomic<bool> bound_;      // no server refused prepared statements
    std::atomic<std::uint64_t> array_pages_{0};
    std::atomic<std::uint64_t> bound_pages_{0};
    std::atomic<std::uint64_t> inserted_pages_{0};
    std::atomic<std::uint64_t> retried_{0};
    std::atomic<std::uint64_t> reads_again_{0};
    written_callback on_written_;
    std::size_t capacity_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<page> queue_;
    std::size_t busy_ = 0;
    bool closing_ = false;
    std::exception_ptr failure_;
    std::map<std::string, table_total> totals_;
    std::vector<std::thread> threads_;
};

}  // namespace gangway::mover
