#include "gateway/mover/destination_writer.hpp"

#include <chrono>
#include <memory>
#include <stdexcept>

#include <cppconn/connection.h>
#include <cppconn/statement.h>

#include "common/db/db_pool.hpp"
#include "gateway/mover/dump_writer.hpp"
#include "gateway/mover/fault_points.hpp"
#include "gateway/mover/sql_literal.hpp"

namespace gangway::mover {
namespace {

// Multi-row INSERTs of at most max_statement_bytes (a longer row makes one of its own).
std::vector<std::string> insert_statements(const table_layout& t,
                                           const std::vector<table_row>& rows, bool ignore) {
    table_layout as = t;
    as.insert_ignore = t.insert_ignore || ignore;
    const std::string head = insert_head(as);
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

}  // namespace

destination_writer::destination_writer(db_pool& pool, unsigned jobs, bool ignore_existing,
                                       written_callback on_written)
    : pool_(pool), ignore_existing_(ignore_existing), on_written_(std::move(on_written)),
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

void destination_writer::ignore_existing() { ignore_existing_ = true; }

std::map<std::string, destination_writer::table_total> destination_writer::totals() {
    std::lock_guard lock(mutex_);
    return totals_;
}

void destination_writer::work() {
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
            insert(p);
        } catch (...) {
            failed = std::current_exception();
        }
        std::lock_guard lock(mutex_);
        --busy_;
        if (failed && !failure_) failure_ = failed;
        changed_.notify_all();
    }
}

void destination_writer::insert(const page& p) {
    const auto started = std::chrono::steady_clock::now();
    std::uint64_t bytes = 0;
    const bool ignoring_all = ignore_existing_;
    for (const auto& statement : insert_statements(*p.table, p.rows, ignoring_all)) {
        bool attempted = false;
        const std::string ignoring = p.table->insert_ignore || ignoring_all
                                         ? statement
                                         : "INSERT IGNORE" + statement.substr(6);
        auto done = pool_.run_blocking([&](sql::Connection& c) {
            execute(c, "SET SESSION foreign_key_checks = 0, sql_mode = '" +
                           std::string(load_sql_mode) + "'");
            const bool again = attempted;  // the first attempt may have committed
            attempted = true;
            if (again) ++retried_;
            execute(c, again ? ignoring : statement);
            if (drop_connection_now()) execute(c, "KILL CONNECTION CONNECTION_ID()");
            return true;
        });
        if (!done) {
            throw std::runtime_error("inserting rows into " + p.table->name +
                                     " on the destination failed: " + done.message);
        }
        bytes += statement.size();
    }
    {
        std::lock_guard lock(mutex_);
        table_total& total = totals_[p.table->name];
        total.bytes += bytes;
        total.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    }
    if (on_written_) on_written_(p.table->name, p.rows.size(), bytes);
}

}  // namespace gangway::mover
