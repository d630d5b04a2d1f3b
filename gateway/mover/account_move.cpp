#include "gateway/mover/account_move.hpp"

#include <atomic>
#include <memory>
#include <optional>

#include <cppconn/connection.h>
#include <cppconn/statement.h>

#include "common/db/db_pool.hpp"
#include "common/db/placement_store.hpp"
#include "gateway/mover/destination_writer.hpp"
#include "gateway/mover/fault_points.hpp"
#include "gateway/mover/move_checks.hpp"
#include "gateway/mover/move_journal.hpp"
#include "gateway/mover/move_progress.hpp"
#include "gateway/mover/row_walker.hpp"
#include "gateway/mover/sql_literal.hpp"

namespace gangway::mover {
namespace {

using clock = std::chrono::steady_clock;
using outcome = move_result::outcome;

double seconds_since(clock::time_point t) {
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

    const move_context& ctx_;
    std::uint64_t account_;
    std::string id_;
    std::optional<move_record> move_;
    account_digests source_;  // the source's rows (digests), from the copy or a walk
    account_digests stale_;   // the account's old rows at the destination, to be replaced
    std::map<std::string, destination_writer::table_total> totals_;
    clock::time_point locked_at_{};
    std::string kept_;  // abort: tables with rows under the account's keys that differ
    nlohmann::json timings_ = nlohmann::json::object();
};

account_digests account_mover::walk(db_pool& db, const layout_map& layouts,
                                    const std::string& site, const row_sink& extra) {
    account_digests out;
    row_walker walker(ctx_.model, ctx_.plan, layouts);
    must(db.run_blocking([&](sql::Connection& c) {
             out.clear();  // a walk retried after a lost connection starts over
             walker.walk(c, {id_}, [&](const table_layout& t, std::vector<table_row>& rows) {
                 collect_digests(t, rows, out[t.name]);
                 if (extra) extra(t, rows);
             });
             return true;
         }),
         "walking the account's rows at " + site);
    return out;
}

// ---- pre-flight -------------------------------------------------------------------------

std::optional<move_result> account_mover::refuse_unless_movable(const placement_row& here) {
    const bool here_now = here.site == ctx_.from_site;
    if (here_now && (here.state == placement_state::active || here.state == placement_state::locked))
        return std::nullopt;
    return fail(outcome::refused,
                "its placement at " + ctx_.from_site + " is " + std::string(to_string(here.state)) +
                    " (site " + here.site + ", version " + std::to_string(here.version) +
                    "); only an account active (or locked) at " + ctx_.from_site +
                    " can be moved from it",
                "Nothing was changed.");
}

std::optional<move_result> account_mover::preflight() {
    ctx_.progress.phase(account_, "pre-flight");
    if (auto there = placement(ctx_.destination, ctx_.to_site);
        there && there->state != placement_state::moved) {
        return fail(outcome::refused,
                    ctx_.to_site + " already places the account (" +
                        std::string(to_string(there->state)) + " at " + there->site + ")",
                    "Nothing was changed; see `gangway accounts show` on both sites.");
    }
    // Keys and emails only: pre-flight needs no digest (the copy reads them in the lock).
    const auto lean = walk_layouts(ctx_.layouts, ctx_.model, ctx_.plan, email_columns(ctx_));
    email_set stale_emails;
    if (auto refused = find_stale_copy(lean, stale_emails)) return refused;
    email_set emails;
    const auto found = walk(ctx_.source, lean, ctx_.from_site, collect_emails(ctx_, emails));
    std::vector<std::string> problems = must(
        ctx_.destination.run_blocking([&](sql::Connection& c) {
            return collisions(c, ctx_, lean, found, emails, stale_, stale_emails);
        }),
        "looking for the account's keys at " + ctx_.to_site);
    if (!problems.empty()) {
        std::string list;
        for (const auto& p : problems) list += "\n  " + p;
        return fail(outcome::refused, ctx_.to_site + " already holds rows the move would write:" + list,
                    unchanged_state());
    }
    std::map<std::string, std::uint64_t> expected;
    for (const auto& [table, d] : found) expected[table] = d.by_key.size();
    ctx_.progress.expect(expected);
    return std::nullopt;
}

// An account that lived at the destination before and moved away left its rows there (the
// source of a move keeps them). They are the account's by the model's graph from its root row.
std::optional<move_result> account_mover::find_stale_copy(const layout_map& lean, email_set& emails) {
    const bool old_copy = must(ctx_.destination.run_blocking([&](sql::Connection& c) {
                                   return has_root_row(c, ctx_.model, lean, id_);
                               }),
                               "looking for the account's root row at " + ctx_.to_site);
    if (!old_copy) return std::nullopt;
    stale_ = walk(ctx_.destination, lean, ctx_.to_site, collect_emails(ctx_, emails));
    if (ctx_.replace_stale) return std::nullopt;
    std::uint64_t rows = 0;
    for (const auto& [table, d] : stale_) rows += d.by_key.size();
    return fail(outcome::refused,
                ctx_.to_site + " still holds the account's rows from before it moved away (" +
                    std::to_string(rows) + " rows in " + std::to_string(stale_.size()) +
                    " tables, its placement there says moved)",
                "Nothing was changed; `" + command("--replace-stale") +
                    "` deletes that old copy once the account is locked and copies afresh.");
}

void account_mover::delete_stale_copy() {
    const auto lean = walk_layouts(ctx_.layouts, ctx_.model, ctx_.plan);
    if (stale_.empty() && ctx_.replace_stale) {  // a resumed move: whatever is there now
        const bool any = must(ctx_.destination.run_blocking([&](sql::Connection& c) {
                                  return has_root_row(c, ctx_.model, lean, id_);
                              }),
                              "looking for the account's root row at " + ctx_.to_site);
        if (any) stale_ = walk(ctx_.destination, lean, ctx_.to_site);
    }
    if (stale_.empty()) return;
    ctx_.progress.phase(account_, "replace", "deleting the old copy at " + ctx_.to_site);
    must(ctx_.destination.run_blocking([&](sql::Connection& c) {
             return delete_rows(c, lean, stale_, false);
         }),
         "deleting the old copy at " + ctx_.to_site);
}

// ---- lock, copy, verify, flip -----------------------------------------------------------

// An account an operator locked beforehand (`gangway accounts lock`, to hold it still while
// users are told) keeps that lock: the move takes it over once the fence holds.
std::optional<move_result> account_mover::take_over_lock(const placement_row& here) {
    ctx_.progress.phase(account_, "lock", "already locked by " + here.updated_by +
                                              "; waiting for every gateway of " + ctx_.from_site);
    const auto started = clock::now();
    if (const auto holders = await_fence(ctx_.source, ctx_.fence, account_, here.version)) {
        journal(move_phase::aborted);
        return fail(outcome::failed, "the existing lock does not hold: " + *holders,
                    "Nothing was copied; the account is still locked at " + ctx_.from_site +
                        " (`gangway accounts unlock` releases it).");
    }
    locked_at_ = started;
    timings_["lock_seconds"] = seconds_since(started);
    journal(move_phase::locked, here.version);
    crash_point("locked");
    return std::nullopt;
}

std::optional<move_result> account_mover::lock(const placement_row& here) {
    if (here.state == placement_state::locked) return take_over_lock(here);
    ctx_.progress.phase(account_, "lock", "waiting for every gateway of " + ctx_.from_site);
    const auto started = clock::now();
    const auto change = lock_account(ctx_.source, ctx_.fence, account_, ctx_.by, lock_reason());
    if (change.result != account_change::outcome::applied || !change.row) {
        journal(move_phase::aborted);
        return fail(outcome::failed, "the lock did not take hold: " + change.message,
                    "Nothing was copied.");
    }
    locked_at_ = started;
    timings_["lock_seconds"] = seconds_since(started);
    journal(move_phase::locked, change.row->version);
    crash_point("locked");
    return std::nullopt;
}

void account_mover::copy(bool ignore_existing) {
    delete_stale_copy();
    ctx_.progress.phase(account_, "copy", std::to_string(ctx_.jobs) + " writers");
    const auto started = clock::now();
    const auto layouts = digest_layouts(ctx_.layouts, ctx_.model, ctx_.plan, false);
    std::atomic<bool> first_page{true};
    destination_writer writer(ctx_.destination, ctx_.jobs, ignore_existing,
                              [&](const std::string& table, std::size_t rows, std::uint64_t bytes) {
                                  ctx_.progress.rows(table, rows, bytes);
                                  if (first_page.exchange(false)) crash_point("copying");
                              });
    bool restarted = false;
    row_walker walker(ctx_.model, ctx_.plan, layouts);
    must(ctx_.source.run_blocking([&](sql::Connection& c) {
             if (restarted) writer.ignore_existing();  // pages of the lost walk may be there
             restarted = true;
             source_.clear();
             walker.walk(c, {id_}, [&](const table_layout& t, std::vector<table_row>& rows) {
                 collect_digests(t, rows, source_[t.name]);
                 writer.write(t, std::move(rows));
             });
             return true;
         }),
         "copying the account's rows");
    writer.finish();
    totals_ = writer.totals();
    timings_["retried_statements"] = writer.retried();
    ctx_.progress.settle();
    timings_["copy_seconds"] = seconds_since(started);
    journal(move_phase::copied);
    crash_point("copied");
}

void account_mover::verify() {
    ctx_.progress.phase(account_, "verify", "row counts and per-row digests on both sides");
    const auto started = clock::now();
    const auto lean = digest_layouts(ctx_.layouts, ctx_.model, ctx_.plan, true);
    if (source_.empty()) source_ = walk(ctx_.source, lean, ctx_.from_site);
    const auto there = walk(ctx_.destination, lean, ctx_.to_site);
    const auto differences = compare_digests(ctx_.layouts, source_, there);
    if (!differences.empty()) {
        std::string list;
        for (const auto& d : differences) {
            list += "\n  " + d.table + ": " + std::to_string(d.source_rows) + " rows at " +
                    ctx_.from_site + ", " + std::to_string(d.destination_rows) + " at " +
                    ctx_.to_site + "; " + std::to_string(d.missing) + " missing, " +
                    std::to_string(d.extra) + " extra, " + std::to_string(d.different) +
                    " different (e.g. " + d.example + ")";
        }
        throw step_error("the copy does not match the source:" + list);
    }
    timings_["verify_seconds"] = seconds_since(started);
    journal(move_phase::verified);
    crash_point("verified");
}

void account_mover::run_end_sql() {
    const table_layout& root = ctx_.layouts.find(ctx_.model.root_table)->second;
    const auto statements = bound_end_sql(ctx_.model, root.columns[*root.find(ctx_.model.root_key)], {id_});
    if (statements.empty()) return;
    must(ctx_.destination.run_blocking([&](sql::Connection& c) {
             std::unique_ptr<sql::Statement> st(c.createStatement());
             for (const auto& s : statements) st->execute(s);
             return true;
         }),
         "running end_sql at " + ctx_.to_site);
}

void account_mover::flip() {
    ctx_.progress.phase(account_, "flip", ctx_.to_site + " active, " + ctx_.from_site + " moved");
    const auto started = clock::now();
    run_end_sql();  // after verify: it may change what was copied (counters, caches)
    const std::string reason = "gangway migrate from " + ctx_.from_site + " (move " +
                               std::to_string(move_->move_id) + ")";
    const auto there = placement(ctx_.destination, ctx_.to_site);
    if (!there || there->state != placement_state::active || there->site != ctx_.to_site) {
        placement_change change{account_, there ? std::optional(there->version) : std::nullopt,
                                placement_state::active, ctx_.to_site, ctx_.by, reason};
        const auto done = must(ctx_.destination.run_blocking(
                                   [&](sql::Connection& c) { return set_placement(c, change); }),
                               "making the account active at " + ctx_.to_site);
        if (done.kind != set_outcome::applied) {
            throw step_error(ctx_.to_site + "'s placement changed while the move ran");
        }
    }
    crash_point("flipping");
    const auto here = placement(ctx_.source, ctx_.from_site);
    if (!here || here->state != placement_state::moved) {
        placement_change change{account_, move_->lock_version, placement_state::moved,
                                ctx_.to_site, ctx_.by, lock_reason()};
        const auto done = must(ctx_.source.run_blocking(
                                   [&](sql::Connection& c) { return set_placement(c, change); }),
                               "marking the account moved at " + ctx_.from_site);
        if (done.kind != set_outcome::applied) {
            throw step_error(ctx_.from_site + "'s placement changed while the account was locked "
                             "(version " + std::to_string(move_->lock_version.value_or(0)) +
                             " expected)");
        }
    }
    timings_["flip_seconds"] = seconds_since(started);
}

move_result account_mover::finish() {
    nlohmann::json tables = nlohmann::json::object();
    for (const auto& [table, d] : source_) {
        tables[table] = {{"rows", d.by_key.size()}, {"bytes", totals_[table].bytes},
                         {"write_seconds", totals_[table].seconds}, {"checksum", table_checksum(d)}};
    }
    nlohmann::json report{{"account", account_}, {"outcome", "moved"}, {"from", ctx_.from_site},
                          {"to", ctx_.to_site}, {"move_id", move_->move_id}, {"tables", tables},
                          {"timings", timings_}};
    if (locked_at_ != clock::time_point{}) report["lock_window_seconds"] = seconds_since(locked_at_);
    journal(move_phase::flipped, std::nullopt, report.dump());
    ctx_.progress.report(report);
    return {outcome::moved,
            "account " + id_ + ": moved from " + ctx_.from_site + " to " + ctx_.to_site +
                " (move " + std::to_string(move_->move_id) + "); its users are now served by " +
                ctx_.to_site + ".",
            report};
}

// From the last step the journal recorded to the end.
move_result account_mover::continue_from(move_phase phase, bool resumed) {
    try {
        if (phase == move_phase::locked) copy(resumed);
        if (phase <= move_phase::copied) verify();
        flip();
        return finish();
    } catch (const std::exception& e) {
        return fail(outcome::failed, e.what(), locked_state());
    }
}

move_result account_mover::start() {
    std::optional<placement_row> here;
    try {
        auto open = must(ctx_.source.run_blocking([&](sql::Connection& c) { return open_move(c, account_); }),
                         "reading the journal");
        if (open) {
            return fail(outcome::refused,
                        "a move to " + open->to_site + " is in progress (move " +
                            std::to_string(open->move_id) + ", step " +
                            std::string(to_string(open->phase)) + ", started " + open->started_at +
                            " by " + open->started_by + ")",
                        "`gangway migrate --to " + open->to_site + " --resume " + id_ +
                            "` continues it, `--abort` undoes it.");
        }
        here = placement(ctx_.source, ctx_.from_site);
        if (!here) return fail(outcome::refused, "no placement at " + ctx_.from_site, "Nothing was changed.");
        if (here->state == placement_state::moved && here->site == ctx_.to_site) {
            const auto there = placement(ctx_.destination, ctx_.to_site);
            if (there && there->state == placement_state::active && there->site == ctx_.to_site) {
                return {outcome::already_moved,
                        "account " + id_ + ": already moved to " + ctx_.to_site + " (" +
                            ctx_.from_site + " says moved, " + ctx_.to_site +
                            " says active); nothing to do.",
                        {{"account", account_}, {"outcome", "already moved"}}};
            }
        }
        if (auto refused = refuse_unless_movable(*here)) return *refused;
        if (auto refused = preflight()) return *refused;
        move_ = must(ctx_.source.run_blocking([&](sql::Connection& c) {
                         return start_move(c, account_, ctx_.from_site, ctx_.to_site, ctx_.by);
                     }),
                     "starting the journal");
        if (!move_) return fail(outcome::refused, "another move of it started meanwhile", "");
    } catch (const std::exception& e) {
        return fail(outcome::failed, e.what(), unchanged_state());
    }
    crash_point("checked");
    try {
        if (auto failed = lock(*here)) return *failed;
    } catch (const std::exception& e) {
        return fail(outcome::failed, e.what(), locked_state());
    }
    return continue_from(move_phase::locked, false);
}

move_result account_mover::resume() {
    try {
        move_ = must(ctx_.source.run_blocking([&](sql::Connection& c) { return open_move(c, account_); }),
                     "reading the journal");
    } catch (const std::exception& e) {
        return fail(outcome::failed, e.what(), "Nothing was changed.");
    }
    if (!move_) return start();  // nothing to resume: a finished move is a verified no-op
    if (move_->to_site != ctx_.to_site) {
        return fail(outcome::refused, "its move in progress goes to " + move_->to_site,
                    "Use `--to " + move_->to_site + "`.");
    }
    ctx_.progress.phase(account_, "resume", "after step " + std::string(to_string(move_->phase)));
    if (move_->phase == move_phase::checked) {
        // Killed before the lock was recorded: nothing was copied. A lock this move took but
        // never saw hold is released; then the move starts over from pre-flight.
        try {
            release_unrecorded_lock();
            journal(move_phase::aborted);
        } catch (const std::exception& e) {
            return fail(outcome::failed, e.what(), "Nothing was copied.");
        }
        return start();
    }
    try {
        const auto here = placement(ctx_.source, ctx_.from_site);
        const bool ours = locked_by_this_move(here);
        const bool flipped = here && here->state == placement_state::moved &&
                             here->site == ctx_.to_site;
        if (!ours && !flipped) {
            return fail(outcome::failed,
                        "its placement at " + ctx_.from_site + " is no longer this move's lock (" +
                            (here ? std::string(to_string(here->state)) + " version " +
                                        std::to_string(here->version)
                                  : std::string("none")) + ")",
                        "`" + command("--abort") + "` removes the copied rows from " + ctx_.to_site + ".");
        }
        if (flipped) return finish();
    } catch (const std::exception& e) {
        return fail(outcome::failed, e.what(), locked_state());
    }
    return continue_from(move_->phase, true);
}

// ---- abort ------------------------------------------------------------------------------

void account_mover::remove_copied_rows() {
    const auto lean = digest_layouts(ctx_.layouts, ctx_.model, ctx_.plan, true);
    const auto mine = walk(ctx_.source, lean, ctx_.from_site);
    const auto removed = must(ctx_.destination.run_blocking([&](sql::Connection& c) {
                                  return delete_rows(c, lean, mine, true);
                              }),
                              "removing the copied rows at " + ctx_.to_site);
    nlohmann::json tables = nlohmann::json::object();
    for (const auto& [table, n] : removed) {
        tables[table] = {{"rows_removed", n.removed}, {"rows_kept", n.kept}};
        if (n.kept) kept_ += " " + table + " (" + std::to_string(n.kept) + ")";
    }
    timings_["removed"] = tables;
}

// A kill during the fence wait leaves the account locked with the journal at `checked`.
void account_mover::release_unrecorded_lock() {
    const auto here = placement(ctx_.source, ctx_.from_site);
    if (!locked_by_this_move(here)) return;
    const auto change = unlock_account(ctx_.source, ctx_.fence, account_, ctx_.by,
                                       "gangway migrate: releasing the lock of an interrupted move",
                                       here->version);
    if (change.result != account_change::outcome::applied) throw step_error(change.message);
}

move_result account_mover::abort() {
    try {
        move_ = must(ctx_.source.run_blocking([&](sql::Connection& c) { return open_move(c, account_); }),
                     "reading the journal");
        if (!move_) {
            return fail(outcome::refused, "no move of it is in progress",
                        "Nothing was changed (a finished move is undone by moving the account back: "
                        "`gangway migrate --to " + ctx_.from_site + " " + id_ + "` with " +
                        ctx_.to_site + "'s config).");
        }
        ctx_.progress.phase(account_, "abort", "after step " + std::string(to_string(move_->phase)));
        const auto here = placement(ctx_.source, ctx_.from_site);
        if (here && here->state == placement_state::moved) {
            return fail(outcome::refused, "the move already flipped " + ctx_.from_site + " to moved",
                        "`" + command("--resume") + "` finishes recording it.");
        }
        if (move_->phase == move_phase::checked) release_unrecorded_lock();
        if (move_->phase != move_phase::checked) {
            remove_copied_rows();
            if (auto there = placement(ctx_.destination, ctx_.to_site);
                there && there->state != placement_state::moved) {
                placement_change back{account_, there->version, placement_state::moved, ctx_.from_site,
                                      ctx_.by, "gangway migrate --abort (move " +
                                                   std::to_string(move_->move_id) + ")"};
                must(ctx_.destination.run_blocking([&](sql::Connection& c) { return set_placement(c, back); }),
                     "setting the placement at " + ctx_.to_site + " back");
            }
            if (here && here->state == placement_state::locked) {
                const auto change = unlock_account(ctx_.source, ctx_.fence, account_, ctx_.by,
                                                   "gangway migrate --abort", here->version);
                if (change.result != account_change::outcome::applied) throw step_error(change.message);
            }
        }
        nlohmann::json report{{"account", account_}, {"outcome", "aborted"}, {"move_id", move_->move_id},
                              {"removed", timings_.value("removed", nlohmann::json::object())}};
        journal(move_phase::aborted, std::nullopt, report.dump());
        ctx_.progress.report(report);
        return {outcome::aborted,
                "account " + id_ + ": move " + std::to_string(move_->move_id) +
                    " aborted; the copied rows are gone from " + ctx_.to_site +
                    " and the account is active at " + ctx_.from_site + "." +
                    (kept_.empty() ? std::string()
                                   : " Kept at " + ctx_.to_site + ", because they differ from the "
                                     "source (end_sql or another writer changed them):" + kept_ +
                                     "; remove them before moving the account again."),
                report};
    } catch (const std::exception& e) {
        return fail(outcome::failed, std::string("abort failed: ") + e.what(),
                    "The account is still locked at " + ctx_.from_site + "; run `" +
                        command("--abort") + "` again once the cause is fixed.");
    }
}

}  // namespace

move_result move_account(const move_context& ctx, std::uint64_t account) {
    return account_mover(ctx, account).start();
}

move_result resume_move(const move_context& ctx, std::uint64_t account) {
    return account_mover(ctx, account).resume();
}

move_result abort_move(const move_context& ctx, std::uint64_t account) {
    return account_mover(ctx, account).abort();
}

}  // namespace gangway::mover
