// The mover's fast path (account_mover.hpp): the account's rows read by set_selection's
// queries, several tables at once, and verified by sums the servers compute. Every step
// falls back to the row walker where the sets would not be the walker's.

#include <thread>

#include "gateway/mover/account_mover.hpp"
#include "gateway/mover/move_progress.hpp"
#include "gateway/mover/row_cleanser.hpp"  // keyed_hash_hex
#include "gateway/mover/set_tasks.hpp"
#include "gateway/mover/sql_lookup.hpp"  // key_of

namespace gangway::mover::detail {

const set_selection* account_mover::sets_at(db_pool& db, const std::string& site) {
    if (!sets_) sets_.emplace(ctx_.model, ctx_.plan, ctx_.layouts, std::vector<std::string>{id_});
    if (!sets_->usable()) return nullptr;
    auto known = sets_serve_.find(site);
    if (known == sets_serve_.end()) {
        const auto edge = open_edge_at(db, *sets_, ctx_.model.root_table,
                                       "checking the cycles of the account's rows at " + site);
        if (edge) ctx_.progress.phase(account_, "walk", *edge + " reaches further at " + site);
        known = sets_serve_.emplace(site, !edge).first;
    }
    return known->second ? &*sets_ : nullptr;
}

std::vector<std::string> account_mover::tables_by_size() const {
    return biggest_first(sets_->tables(), expected_);
}

account_digests account_mover::read_keys(const layout_map& layouts, const row_sink& extra) {
    const set_selection* s = sets_at(ctx_.source, ctx_.from_site);
    if (!s) return walk(ctx_.source, layouts, ctx_.from_site, extra);
    account_digests out;
    std::map<std::string, std::optional<table_count>> counts;
    for (const auto& table : s->tables()) {
        out[table];  // each thread fills its own
        counts[table];
    }
    std::mutex extra_mutex;
    for_each_table(ctx_.source, tables_by_size(), ctx_.jobs, "reading the account's keys at " + ctx_.from_site,
                   [&](sql::Connection& c, const std::string& table, bool) {
                       prepare_reader_session(c);
                       table_digests& into = out[table];
                       into = {};
                       const table_layout& t = layouts.find(table)->second;
                       const bool rows_wanted = extra && t.name == ctx_.users_table;
                       if (!rows_wanted && t.columns[t.key.at(0)].kind == value_kind::integer) {
                           const table_count count = count_rows(c, *s, t);
                           if (count_is_enough(t, count)) {
                               counts[table] = count;
                               return;
                           }
                       }
                       stream_rows(c, *s, t, [&](std::vector<table_row>& page) {
                           // Each row once (set_selection): keys alone, no digest to map.
                           for (const auto& row : page) into.keys.push_back(key_of(t, row));
                           if (!extra) return;
                           std::lock_guard lock(extra_mutex);
                           extra(t, page);
                       });
                   });
    for (auto& [table, count] : counts) {
        if (count) counted_[table] = std::move(*count);
    }
    return out;
}

bool account_mover::count_is_enough(const table_layout& t, const table_count& count) {
    if (!count.span) return true;  // no rows
    if (t.insert_ignore) return true;  // existing rows are fine: collisions() skips the table
    return !must(ctx_.destination.run_blocking([&](sql::Connection& d) { return holds_key_between(d, t, *count.span); }),
                 "looking for the account's keys at " + ctx_.to_site);
}

bool account_mover::copy_by_sets(destination_writer& writer) {
    const set_selection* s = sets_at(ctx_.source, ctx_.from_site);
    if (!s) return false;
    copy_sets(ctx_.source, *s, ctx_.layouts, tables_by_size(), ctx_.jobs, writer, nullptr, spans_, &copied_sums_);
    return true;
}

// The source's sums: those the copy computed as it read, the rest (shared tables, a copy of
// another process) by the source's server, in parallel with the destination's.
bool account_mover::verify_by_sums() {
    const set_selection* here = sets_at(ctx_.source, ctx_.from_site);
    const set_selection* there = sets_at(ctx_.destination, ctx_.to_site);
    if (!here || !there) return false;
    const auto tables = tables_by_size();
    std::map<std::string, table_sum> source;
    std::vector<std::string> unknown;
    for (const auto& table : tables) {
        const auto copied = copied_sums_.find(table);
        if (copied == copied_sums_.end()) {
            unknown.push_back(table);
        } else {
            source[table] = {copied->second.rows, copied->second.text(), true};
        }
    }
    std::exception_ptr source_failed;
    std::thread source_side([&] {
        try {
            if (unknown.empty()) return;
            for (auto& [table, sum] : sum_tables(ctx_.source, *here, ctx_.layouts, unknown, 1, ctx_.from_site)) {
                source[table] = sum;
            }
        } catch (...) {
            source_failed = std::current_exception();
        }
    });
    std::map<std::string, table_sum> destination;
    std::exception_ptr destination_failed;
    try {
        destination = sum_tables(ctx_.destination, *there, ctx_.layouts, tables, ctx_.jobs, ctx_.to_site, spans_, true);
    } catch (...) {
        destination_failed = std::current_exception();
    }
    source_side.join();
    if (source_failed) std::rethrow_exception(source_failed);
    if (destination_failed) std::rethrow_exception(destination_failed);
    // A key range whose sums differ may hold another account's rows: sum the account's own.
    std::vector<std::string> ranged;
    for (const auto& table : tables) {
        if (spans_.count(table) && destination[table] != source[table]) ranged.push_back(table);
    }
    if (!ranged.empty()) {
        for (auto& [table, sum] : sum_tables(ctx_.destination, *there, ctx_.layouts, ranged, ctx_.jobs, ctx_.to_site, spans_)) {
            destination[table] = sum;
        }
    }
    for (const auto& [table, sum] : destination) {
        // A server without CRC32C summed MD5s: the source's server must too.
        if (!sum.crc && source[table].crc) {
            source[table] = sum_tables(ctx_.source, *here, ctx_.layouts, {table}, 1, ctx_.from_site).at(table);
        }
    }
    if (source != destination) return false;  // the walk names the rows that differ
    for (const auto& [table, sum] : source) {
        checked_[table] = {sum.rows, keyed_hash_hex("gangway table checksum",
                                                    std::to_string(sum.rows) + ":" + sum.digest_sum)
                                         .substr(0, 32)};
    }
    return true;
}

}  // namespace gangway::mover::detail
