#include "gateway/mover/destination_writer.hpp"

#include <chrono>
#include <memory>
#include <stdexcept>

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/statement.h>

#include "common/db/db_pool.hpp"
#include "gateway/mover/array_insert.hpp"
#include "gateway/mover/bound_insert.hpp"
#include "gateway/mover/dump_writer.hpp"
#include "gateway/mover/fault_points.hpp"
#include "gateway/mover/sql_literal.hpp"

namespace gangway::mover {
namespace {

// Multi-row INSERTs of at most max_statement_bytes (a longer row makes one of its own).
std::vector<std::string> insert_statements(const table_layout& t,
                                           const std::vector<table_row>& rows, bool ignore) {
    const std::string head = insert_head(t, ignore);
    std::vector<std::string> out;
    std::string values;
    for (const auto& r : rows) {
        std::string one;
        append_row_values(one, t, r);
        if (!values.empty() && head.size() + values.size() + 2 + one.size() > max_statement_bytes) {
            out.push_back(head + values);
            values.clear();
        }
        values.append(values.empty() ? "" : ", ").append(one);
    }
    if (!values.empty()) out.push_back(head + values);
    return out;
}

void execute(sql::Connection& c, const std::string& statement) {
    std::unique_ptr<sql::Statement> st(c.createStatement());
    st->execute(statement);
}

// The server cannot prepare the copy's statements (too many prepared statements on it).
bool bound_refused(const sql::SQLException& e) {
    const int code = e.getErrorCode();
    return code == 1461 /* ER_MAX_PREPARED_STMT_COUNT_REACHED */ || code == 1295 /* ER_UNSUPPORTED_PS */;
}

// Runs fn in a transaction of its own: committed when fn returns, rolled back when it throws
// (the connection goes back to the pool without an open transaction either way).
template <class Fn>
void in_transaction(sql::Connection& c, Fn&& fn) {
    execute(c, "START TRANSACTION");
    try {
        fn();
    } catch (...) {
        try {
            execute(c, "ROLLBACK");
        } catch (const sql::SQLException&) {
            // The connection is gone: the server rolled back.
        }
        throw;
    }
    execute(c, "COMMIT");
}

}  // namespace

destination_writer::destination_writer(db_pool& pool, unsigned jobs, bool ignore_existing,
                                       written_callback on_written)
    : pool_(pool), ignore_existing_(ignore_existing), arrays_(!arrays_off()), bound_(!insert_only()),
      on_written_(std::move(on_written)),
      capacity_(2 * std::max(jobs, 1u)) {
    for (unsigned i = 0; i < std::max(jobs, 1u); ++i) threads_.emplace_back([this] { work(); });
}

destination_writer::~destination_writer() { stop(); }

void destination_writer::stop() {
    {
        std::lock_guard lock(mutex_);
        closing_ = true;
    }
    changed_.notify_all();
    for (auto& t : threads_) {
        if (t.joinable()) t.join();
    }
}

void destination_writer::write(const table_layout& table, std::vector<table_row> rows) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return failure_ || queue_.size() < capacity_; });
    if (failure_) std::rethrow_exception(failure_);
    queue_.push_back(page{&table, std::move(rows)});
    changed_.notify_all();
}

void destination_writer::finish() {
    {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return failure_ || (queue_.empty() && busy_ == 0); });
    }
    stop();
    if (failure_) std::rethrow_exception(failure_);
}

std::string destination_writer::method() const {
    std::string out;
    const auto add = [&](const std::atomic<std::uint64_t>& pages, const char* way) {
        if (pages) out.append(out.empty() ? "" : " and ").append(way);
    };
    add(array_pages_, "array insert");
    add(bound_pages_, "prepared insert");
    add(inserted_pages_, "insert");
    return out;
}

void destination_writer::ignore_existing() { ignore_existing_ = true; }

std::map<std::string, destination_writer::table_total> destination_writer::totals() {
    std::lock_guard lock(mutex_);
    return totals_;
}

void destination_writer::work() {
    std::unique_ptr<native_session> session;
    for (;;) {
        page p;
        {
            std::unique_lock lock(mutex_);
            changed_.wait(lock, [&] { return closing_ || failure_ || !queue_.empty(); });
            if (closing_ || failure_) return;
            p = std::move(queue_.front());
            queue_.pop_front();
            ++busy_;
        }
        std::exception_ptr failed;
        try {
            if (!insert_arrays(p, session) && !bind(p)) insert(p);
        } catch (...) {
            failed = std::current_exception();
        }
        std::lock_guard lock(mutex_);
        --busy_;
        if (failed && !failure_) failure_ = failed;
        changed_.notify_all();
    }
}

void destination_writer::run_statement(const std::string& what,
                                       const std::function<bool(sql::Connection&, bool)>& fn) {
    bool attempted = false;
    auto done = pool_.run_blocking([&](sql::Connection& c) {
        execute(c, "SET SESSION foreign_key_checks = 0, sql_mode = '" + std::string(load_sql_mode) + "'");
        const bool again = attempted;  // the first attempt may have committed
        attempted = true;
        if (again) ++retried_;
        if (fn(c, again) && drop_connection_now()) execute(c, "KILL CONNECTION CONNECTION_ID()");
        return true;
    });
    if (!done) throw std::runtime_error(what + " on the destination failed: " + done.message);
}

void destination_writer::count(const page& p, std::uint64_t bytes, clock::time_point started) {
    {
        std::lock_guard lock(mutex_);
        table_total& total = totals_[p.table->name];
        total.rows += p.rows.size();
        total.bytes += bytes;
        total.seconds += std::chrono::duration<double>(clock::now() - started).count();
    }
    if (on_written_) on_written_(p.table->name, p.rows.size(), bytes);
}

// One page in one transaction of array-bound INSERTs (array_insert.hpp) on the thread's own
// session, run again once on a new session (ignoring rows already there) when the connection
// was lost, as run_statement does. False when the server takes no arrays.
bool destination_writer::insert_arrays(const page& p, std::unique_ptr<native_session>& session) {
    if (!arrays_) return false;
    const auto started = clock::now();
    std::uint64_t bytes = 0;
    for (bool again = false;; again = true) {
        try {
            if (!session) session = std::make_unique<native_session>(pool_.settings());
            if (!session->takes_arrays()) {
                arrays_ = false;
                return false;
            }
            if (again) ++retried_;
            session->execute("START TRANSACTION");
            bytes = insert_array(*session, *p.table, p.rows, ignore_existing_ || again, max_statement_bytes);
            session->execute("COMMIT");
            if (drop_connection_now()) session->execute("KILL CONNECTION CONNECTION_ID()");
            break;
        } catch (const native_error& e) {
            session.reset();  // closed: the server rolls back what was not committed
            if (again || !e.connection_lost()) {
                throw std::runtime_error("inserting rows into " + p.table->name + " on the destination failed: " +
                                         e.what());
            }
        }
    }
    ++array_pages_;
    count(p, bytes, started);
    return true;
}

// One page in one transaction of prepared multi-row INSERTs (bound_insert.hpp). False when
// the server refuses to prepare them (every later page then goes another way).
bool destination_writer::bind(const page& p) {
    if (!bound_) return false;
    const auto started = clock::now();
    std::uint64_t bytes = 0;
    bool refused = false;
    run_statement("inserting rows into " + p.table->name, [&](sql::Connection& c, bool again) {
        try {
            in_transaction(c, [&] { bytes = insert_bound(c, *p.table, p.rows, ignore_existing_ || again, max_statement_bytes); });
        } catch (const sql::SQLException& e) {
            if (!bound_refused(e)) throw;
            refused = true;
            return false;
        }
        return true;
    });
    if (refused) {
        bound_ = false;
        return false;
    }
    ++bound_pages_;
    count(p, bytes, started);
    return true;
}

void destination_writer::insert(const page& p) {
    const auto started = clock::now();
    std::uint64_t bytes = 0;
    const bool ignoring_all = ignore_existing_;
    for (const auto& statement : insert_statements(*p.table, p.rows, ignoring_all)) {
        const std::string ignoring = p.table->insert_ignore || ignoring_all
                                         ? statement
                                         : "INSERT IGNORE" + statement.substr(6);
        run_statement("inserting rows into " + p.table->name, [&](sql::Connection& c, bool again) {
            execute(c, again ? ignoring : statement);
            return true;
        });
        bytes += statement.size();
    }
    ++inserted_pages_;
    count(p, bytes, started);
}

}  // namespace gangway::mover
