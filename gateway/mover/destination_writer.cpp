#include "gateway/mover/destination_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include "common/db/db_pool.hpp"
#include "gateway/mover/dump_writer.hpp"
#include "gateway/mover/fault_points.hpp"
#include "gateway/mover/load_data.hpp"
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

// The server or the client refuses LOAD DATA LOCAL INFILE (local_infile off).
bool load_refused(const sql::SQLException& e) {
    const int code = e.getErrorCode();
    return code == 1148 /* ER_NOT_ALLOWED_COMMAND */ || code == 2068 /* CR_LOAD_DATA_LOCAL_INFILE_REJECTED */ ||
           code == 3948 /* MySQL 8: loading local data is disabled */;
}

// What LOAD DATA turned into warnings (with LOCAL a duplicate key or a bad value is skipped or
// changed, not refused): the first few, unless only duplicates that `ignoring` allows.
std::string load_warnings(sql::Connection& c, bool ignoring) {
    std::unique_ptr<sql::Statement> st(c.createStatement());
    std::unique_ptr<sql::ResultSet> rs(st->executeQuery("SHOW WARNINGS LIMIT 3"));
    std::string out;
    while (rs->next()) {
        if (ignoring && rs->getInt(2) == 1062 /* ER_DUP_ENTRY */) continue;
        out += (out.empty() ? "" : "; ") + rs->getString(3).asStdString();
    }
    return out;
}

// A file of this process that only one writer thread uses (its LOAD DATA pages), removed
// with it. Not usable when no file can be made: the thread inserts instead.
class load_file {
public:
    load_file() {
        const char* dir = std::getenv("TMPDIR");
        std::string pattern = std::string(dir && *dir ? dir : "/tmp") + "/gangway-load-XXXXXX";
        const int fd = ::mkstemp(pattern.data());
        if (fd < 0) return;
        ::close(fd);
        path_ = pattern;
    }
    ~load_file() {
        if (!path_.empty()) ::unlink(path_.c_str());
    }
    load_file(const load_file&) = delete;
    load_file& operator=(const load_file&) = delete;

    const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
};

void write_file(const std::string& path, const std::string& data) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    const bool written = fd >= 0 && ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
    const int error = errno;
    if (fd >= 0) ::close(fd);
    if (!written) throw std::runtime_error("writing " + path + " for LOAD DATA: " + std::strerror(error));
}

}  // namespace

destination_writer::destination_writer(db_pool& pool, unsigned jobs, bool ignore_existing,
                                       written_callback on_written)
    : pool_(pool), ignore_existing_(ignore_existing), load_data_(pool.settings().local_infile && !insert_only()),
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

void destination_writer::ignore_existing() { ignore_existing_ = true; }

std::map<std::string, destination_writer::table_total> destination_writer::totals() {
    std::lock_guard lock(mutex_);
    return totals_;
}

void destination_writer::work() {
    load_file file;
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
            if (file.path().empty() || !load(p, file.path())) insert(p);
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

// The destination's innodb_autoinc_lock_mode is 2: no table lock for bulk inserts. Asked once.
bool destination_writer::interleaved_autoinc() {
    std::call_once(autoinc_asked_, [&] {
        auto mode = pool_.run_blocking([](sql::Connection& c) {
            std::unique_ptr<sql::Statement> st(c.createStatement());
            std::unique_ptr<sql::ResultSet> rs(st->executeQuery("SELECT @@innodb_autoinc_lock_mode"));
            return rs->next() && rs->getInt(1) == 2;
        });
        interleaved_ = mode && *mode.value;  // unknown (no InnoDB variable): assume the lock
    });
    return interleaved_;
}

void destination_writer::count(const page& p, std::uint64_t bytes, clock::time_point started) {
    {
        std::lock_guard lock(mutex_);
        table_total& total = totals_[p.table->name];
        total.bytes += bytes;
        total.seconds += std::chrono::duration<double>(clock::now() - started).count();
    }
    if (on_written_) on_written_(p.table->name, p.rows.size(), bytes);
}

// One page with LOAD DATA LOCAL INFILE through the thread's file. False when the table or
// the server cannot take it that way (the caller inserts instead; the server's refusal turns
// LOAD DATA off for every later page).
bool destination_writer::load(const page& p, const std::string& path) {
    if (!load_data_ || !loadable(*p.table, interleaved_autoinc())) return false;
    const auto started = clock::now();
    std::string data;
    for (const auto& r : p.rows) append_load_row(data, *p.table, r);
    write_file(path, data);
    bool refused = false;
    std::string warnings;
    run_statement("loading rows into " + p.table->name, [&](sql::Connection& c, bool again) {
        try {
            execute(c, load_statement(*p.table, path));
        } catch (const sql::SQLException& e) {
            if (!load_refused(e)) throw;
            refused = true;
            return false;
        }
        warnings = load_warnings(c, p.table->insert_ignore || ignore_existing_ || again);
        return true;
    });
    if (refused) {
        load_data_ = false;
        return false;
    }
    if (!warnings.empty()) {
        throw std::runtime_error("loading rows into " + p.table->name + " on the destination: " + warnings);
    }
    ++loaded_pages_;
    count(p, data.size(), started);
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
