#include "gateway/mover/set_tasks.hpp"

#include <algorithm>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "common/db/db_pool.hpp"
#include "gateway/mover/destination_writer.hpp"
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

void copy_sets(db_pool& source, const set_selection& s, const layout_map& layouts,
               const std::vector<std::string>& tables, unsigned threads,
               destination_writer& writer, const row_cleanser* cleanser,
               std::map<std::string, row_sums>* sums) {
    if (sums) {
        for (const auto& table : tables) {
            if (!layouts.find(table)->second.shared) (*sums)[table];  // each thread fills its own
        }
    }
    for_each_table(source, tables, threads, "copying the account's rows",
                   [&](sql::Connection& c, const std::string& table, bool again) {
                       if (again) writer.ignore_existing();  // pages sent before may be there
                       prepare_reader_session(c);
                       const table_layout& t = layouts.find(table)->second;
                       row_sums* sum = nullptr;
                       if (sums && !t.shared) *(sum = &sums->at(table)) = {};
                       std::string scratch;
                       stream_rows(c, s, t, [&](std::vector<table_row>& page) {
                           if (sum) {
                               for (const auto& row : page) sum->add(t, row, scratch);
                           }
                           if (cleanser) cleanser->cleanse(t, page);
                           writer.write(t, std::move(page));
                       });
                   });
}

std::map<std::string, table_sum> sum_tables(db_pool& db, const set_selection& s,
                                            const layout_map& layouts,
                                            const std::vector<std::string>& tables,
                                            unsigned threads, const std::string& site) {
    std::map<std::string, table_sum> out;
    for (const auto& table : tables) out[table];  // each thread fills its own entry
    for_each_table(db, tables, threads, "summing the account's rows at " + site,
                   [&](sql::Connection& c, const std::string& table, bool) {
                       prepare_reader_session(c);
                       const table_layout& t = layouts.find(table)->second;
                       out[table] = sum_rows(c, s, t, t.shared);
                   });
    return out;
}

std::map<std::string, std::uint64_t> count_tables(db_pool& db, const set_selection& s,
                                                  const std::vector<std::string>& tables,
                                                  unsigned threads, const std::string& site) {
    std::map<std::string, std::uint64_t> out;
    for (const auto& table : tables) out[table];
    for_each_table(db, tables, threads, "counting the account's rows at " + site,
                   [&](sql::Connection& c, const std::string& table, bool) {
                       prepare_reader_session(c);
                       out[table] = count_rows(c, s, table);
                   });
    return out;
}

}  // namespace gangway::mover
