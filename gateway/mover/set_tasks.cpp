#include "gateway/mover/set_tasks.hpp"

#include <algorithm>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include <cppconn/connection.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include "common/db/db_pool.hpp"
#include "gateway/mover/destination_writer.hpp"
#include "gateway/mover/fault_points.hpp"
#include "gateway/mover/row_cleanser.hpp"

namespace gangway::mover {

void for_each_table(db_pool& db, const std::vector<std::string>& tasks, unsigned threads,
                    const std::string& what, const table_task& fn) {
    std::mutex mutex;
    std::size_t next = 0;
    std::optional<std::string> failure;
    auto work = [&] {
        for (;;) {
            std::size_t i = 0;
            {
                std::lock_guard lock(mutex);
                if (failure || next == tasks.size()) return;
                i = next++;
            }
            bool ran = false;
            auto done = db.run_blocking([&](sql::Connection& c) {
                const bool again = ran;
                ran = true;
                fn(c, tasks[i], again);
                return true;
            });
            if (done) continue;
            std::lock_guard lock(mutex);
            if (!failure) failure = what + " (" + tasks[i] + "): " + done.message;
        }
    };
    const std::size_t n = std::clamp<std::size_t>(threads, 1, std::max<std::size_t>(tasks.size(), 1));
    std::vector<std::thread> pool;
    for (std::size_t i = 1; i < n; ++i) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    if (failure) throw std::runtime_error(*failure);
}

std::optional<std::string> open_edge_at(db_pool& db, const set_selection& s,
                                        const std::string& root_table, const std::string& what) {
    auto edge = db.run_blocking([&](sql::Connection& c) {
        prepare_reader_session(c);
        return open_edge(c, s, root_table);
    });
    if (!edge) throw std::runtime_error(what + ": " + edge.message);
    return *edge.value;
}

std::vector<std::string> biggest_first(std::vector<std::string> tables,
                                       const std::map<std::string, std::uint64_t>& rows) {
    const auto count = [&](const std::string& t) {
        const auto found = rows.find(t);
        return found == rows.end() ? 0 : found->second;
    };
    std::stable_sort(tables.begin(), tables.end(),
                     [&](const std::string& a, const std::string& b) { return count(a) > count(b); });
    return tables;
}

namespace {

std::string connection_id(sql::Connection& c) {
    std::unique_ptr<sql::Statement> st(c.createStatement());
    std::unique_ptr<sql::ResultSet> rs(st->executeQuery("SELECT CONNECTION_ID()"));
    return rs->next() ? rs->getString(1).asStdString() : "";
}

struct table_read {
    std::string table;
    key_part part;
};

// The reads of `tables` (biggest first) with their parts, the between-parts of every table
// before the outside-parts, which normally find nothing.
std::vector<table_read> reads_of(const set_selection& s, const layout_map& layouts,
                                 const std::vector<std::string>& tables, unsigned threads,
                                 const std::map<std::string, key_span>& spans) {
    std::vector<table_read> out, last;
    for (const auto& table : tables) {
        const auto span = spans.find(table);
        if (span == spans.end() || !s.single_source(table)) {
            out.push_back({table, {}});
            continue;
        }
        for (auto& part : key_parts(layouts.find(table)->second, span->second, threads)) {
            (part.what == key_part::kind::outside ? last : out).push_back({table, std::move(part)});
        }
    }
    out.insert(out.end(), last.begin(), last.end());
    return out;
}

// Runs fn(connection, index of the read, again) for every read, as for_each_table does.
void for_each_read(db_pool& db, const std::vector<table_read>& reads, unsigned threads, const std::string& what,
                   const std::function<void(sql::Connection&, std::size_t, bool)>& fn) {
    std::vector<std::string> names;
    for (const auto& r : reads) {
        names.push_back(r.part.what == key_part::kind::all ? r.table : r.table + ", " + r.part.text());
    }
    for_each_table(db, names, threads, what, [&](sql::Connection& c, const std::string& name, bool again) {
        fn(c, static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin()), again);
    });
}

}  // namespace

void copy_sets(db_pool& source, const set_selection& s, const layout_map& layouts,
               const std::vector<std::string>& tables, unsigned threads,
               destination_writer& writer, const row_cleanser* cleanser,
               const std::map<std::string, key_span>& spans, std::map<std::string, row_sums>* sums) {
    const auto reads = reads_of(s, layouts, tables, threads, spans);
    std::vector<row_sums> read_sums(reads.size());
    for_each_read(source, reads, threads, "copying the account's rows", [&](sql::Connection& c, std::size_t i, bool again) {
        if (again) writer.read_again();  // pages sent before may be there
        prepare_reader_session(c);
        const table_layout& t = layouts.find(reads[i].table)->second;
        row_sums& sum = read_sums[i] = {};
        std::string scratch;
        const std::string killable = drop_source_armed() ? connection_id(c) : "";
        stream_rows(c, s, t, [&](std::vector<table_row>& page) {
            if (sums && !t.shared) {
                for (const auto& row : page) sum.add(t, row, scratch);
            }
            if (cleanser) cleanser->cleanse(t, page);
            writer.write(t, std::move(page));
            if (!killable.empty() && drop_source_now()) kill_connection(source.settings(), killable);
        }, reads[i].part);
    });
    if (!sums) return;
    for (const auto& table : tables) {
        if (!layouts.find(table)->second.shared) (*sums)[table] = {};
    }
    for (std::size_t i = 0; i < reads.size(); ++i) {
        if (!layouts.find(reads[i].table)->second.shared) (*sums)[reads[i].table] += read_sums[i];
    }
}

std::map<std::string, table_sum> sum_tables(db_pool& db, const set_selection& s, const layout_map& layouts,
                                            const std::vector<std::string>& tables, unsigned threads,
                                            const std::string& site, const std::map<std::string, key_span>& spans,
                                            bool whole_ranges) {
    auto reads = reads_of(s, layouts, tables, threads, spans);
    for (auto& r : reads) {
        if (whole_ranges && r.part.what == key_part::kind::between) r.part.what = key_part::kind::range;
    }
    std::vector<table_sum> sums(reads.size());
    for_each_read(db, reads, threads, "summing the account's rows at " + site, [&](sql::Connection& c, std::size_t i, bool) {
        prepare_reader_session(c);
        const table_layout& t = layouts.find(reads[i].table)->second;
        sums[i] = sum_rows(c, s, t, t.shared, reads[i].part);
    });
    std::map<std::string, table_sum> out;
    for (std::size_t i = 0; i < reads.size(); ++i) {
        const auto [at, first] = out.emplace(reads[i].table, sums[i]);
        if (!first) at->second += sums[i];
    }
    return out;
}

std::map<std::string, table_count> count_tables(db_pool& db, const set_selection& s, const layout_map& layouts,
                                                const std::vector<std::string>& tables, unsigned threads,
                                                const std::string& site) {
    std::map<std::string, table_count> out;
    for (const auto& table : tables) out[table];
    for_each_table(db, tables, threads, "counting the account's rows at " + site,
                   [&](sql::Connection& c, const std::string& table, bool) {
                       prepare_reader_session(c);
                       out[table] = count_rows(c, s, layouts.find(table)->second);
                   });
    return out;
}

}  // namespace gangway::mover
