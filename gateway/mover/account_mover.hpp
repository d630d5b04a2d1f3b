#pragma once

// The inside of account_move.hpp, shared by its two sources: account_move.cpp (the steps of a
// move) and account_cleanup.cpp (what a move removes at the destination: an old copy of the
// account before the copy, or its own rows on --abort). Not an interface of its own.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include "common/db/db_pool.hpp"
#include "common/db/placement_store.hpp"
#include "gateway/mover/account_move.hpp"
#include "gateway/mover/destination_writer.hpp"
#include "gateway/mover/move_checks.hpp"
#include "gateway/mover/move_journal.hpp"
#include "gateway/mover/row_checksum.hpp"
#include "gateway/mover/row_walker.hpp"
#include "gateway/mover/set_reader.hpp"
#include "gateway/mover/set_selection.hpp"

namespace gangway::mover::detail {

using clock = std::chrono::steady_clock;
using outcome = move_result::outcome;

inline double seconds_since(clock::time_point t) {
    return std::chrono::duration<double>(clock::now() - t).count();
}

// The failure of one step: what happened; the caller adds the state and the next command.
struct step_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

template <class T>
T must(db_result<T> r, const std::string& what) {
    if (!r) throw step_error(what + ": " + r.message);
    return std::move(*r.value);
}

class account_mover {
public:
    account_mover(const move_context& ctx, std::uint64_t account)
        : ctx_(ctx), account_(account), id_(std::to_string(account)) {}

    move_result start();
    move_result resume();
    move_result abort();

private:
    // ---- commands for the operator ----
    std::string command(const std::string& flag) const {
        return "gangway migrate --to " + ctx_.to_site + (flag.empty() ? "" : " " + flag) + " " + id_;
    }
    move_result fail(outcome o, const std::string& what, const std::string& state) const {
        return {o, "account " + id_ + ": " + what + ". " + state, {}};
    }
    std::string locked_state() const {
        return "The account is locked at " + ctx_.from_site + " (its users see the lock page); `" +
               command("--resume") + "` continues the move, `" + command("--abort") +
               "` removes the copied rows from " + ctx_.to_site + " and unlocks it.";
    }
    std::string unchanged_state() const {
        return "Nothing was locked or copied; the account's placement at " + ctx_.from_site +
               " is as it was.";
    }

    // ---- steps ----
    std::optional<move_result> refuse_unless_movable(const placement_row& here);
    std::optional<move_result> preflight();
    std::optional<move_result> lock(const placement_row& here);
    std::optional<move_result> take_over_lock(const placement_row& here);
    void copy(bool ignore_existing);
    void copy_by_walk(destination_writer& writer);
    void verify();
    void run_end_sql();
    void flip();
    move_result finish();
    move_result continue_from(move_phase phase, bool resumed);
    std::string lock_reason() const {
        return "gangway migrate to " + ctx_.to_site + " (move " + std::to_string(move_->move_id) + ")";
    }
    bool locked_by_this_move(const std::optional<placement_row>& here) const {
        return here && here->state == placement_state::locked &&
               (here->version == move_->lock_version || here->reason == lock_reason());
    }
    void remove_copied_rows();
    std::optional<move_result> find_stale_copy(const layout_map& lean, email_set& emails);
    void delete_stale_copy();
    void release_unrecorded_lock();

    void journal(move_phase phase, std::optional<std::uint64_t> lock_version = std::nullopt,
                 const std::string& report = {}) {
        must(ctx_.source.run_blocking([&](sql::Connection& c) {
                 advance_move(c, move_->move_id, phase, lock_version, report);
                 return true;
             }),
             "recording step " + std::string(to_string(phase)) + " in the journal");
        move_->phase = phase;
        if (lock_version) move_->lock_version = lock_version;
    }
    std::optional<placement_row> placement(db_pool& db, const std::string& site) {
        return must(db.run_blocking([&](sql::Connection& c) { return get_placement(c, account_); }),
                    "reading the placement at " + site);
    }
    account_digests walk(db_pool& db, const layout_map& layouts, const std::string& site,
                         const row_sink& extra = {});

    // ---- reading by sets (set_selection), where the sets equal the walker's ----
    // The account's selection when it serves at that site's database (closed under the
    // plan's cycle edges there); null: walk instead.
    const set_selection* sets_at(db_pool& db, const std::string& site);
    // The keys of the account's rows at the source (table_digests::keys; by_key only when
    // walked), each row's `layouts` columns handed to `extra`. A table whose key starts with
    // an integer is counted first (rows and span): when no key can collide (its rows are
    // inserted ignoring existing ones, or the destination holds no key in the span), its
    // keys are not read and its count goes to counted_ instead.
    account_digests read_keys(const layout_map& layouts, const row_sink& extra);
    // True when `t`'s count is all pre-flight needs of it (see read_keys): `t`'s key starts
    // with an integer, so a count with rows has a span.
    bool count_is_enough(const table_layout& t, const table_count& count);
    bool copy_by_sets(destination_writer& writer);
    bool verify_by_sums();
    // Tables in the order their reads should start: the biggest first, when known.
    std::vector<std::string> tables_by_size() const;

    const move_context& ctx_;
    std::uint64_t account_;
    std::string id_;
    std::optional<move_record> move_;
    account_digests source_;  // the source's rows (digests), from the copy or a walk
    std::optional<set_selection> sets_;
    std::map<std::string, bool, std::less<>> sets_serve_;  // by site: closed there
    std::map<std::string, std::uint64_t> expected_;        // rows per table, from pre-flight
    std::map<std::string, key_span> spans_;                // their keys' spans, from pre-flight
    std::map<std::string, table_count> counted_;           // tables whose keys pre-flight skipped
    std::map<std::string, row_sums> copied_sums_;          // the source's, as the copy read it
    struct table_check {
        std::uint64_t rows = 0;
        std::string checksum;
    };
    std::map<std::string, table_check> checked_;  // what verify proved, per table
    account_digests stale_;   // the account's old rows at the destination, to be replaced
    std::map<std::string, destination_writer::table_total> totals_;
    clock::time_point locked_at_{};
    std::string kept_;  // abort: tables with rows under the account's keys that differ
    nlohmann::json timings_ = nlohmann::json::object();
};

}  // namespace gangway::mover::detail
