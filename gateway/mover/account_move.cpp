#include "gateway/mover/account_move.hpp"

#include <atomic>
#include <memory>
#include <optional>

#include <cppconn/connection.h>
#include <cppconn/statement.h>

#include "gateway/mover/account_mover.hpp"
#include "gateway/mover/fault_points.hpp"
#include "gateway/mover/move_progress.hpp"
#include "gateway/mover/sql_literal.hpp"

namespace gangway::mover {
namespace detail {

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
    const auto found = read_keys(lean, collect_emails(ctx_, emails));
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
    for (const auto& [table, d] : found) {
        expected_[table] = d.keys.size();
        if (auto span = span_of(d.keys)) spans_[table] = std::move(*span);
    }
    for (const auto& [table, count] : counted_) {
        expected_[table] = count.rows;
        if (count.span) spans_[table] = *count.span;
    }
    ctx_.progress.expect(expected_);
    return std::nullopt;
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
    std::atomic<bool> first_page{true};
    destination_writer writer(ctx_.destination, ctx_.jobs, ignore_existing,
                              [&](const std::string& table, std::size_t rows, std::uint64_t bytes) {
                                  ctx_.progress.rows(table, rows, bytes);
                                  if (first_page.exchange(false)) crash_point("copying");
                              });
    if (!copy_by_sets(writer)) copy_by_walk(writer);
    writer.finish();
    totals_ = writer.totals();
    timings_["retried_statements"] = writer.retried();
    timings_["reads_run_again"] = writer.reads_again();
    timings_["write_method"] = writer.method();
    ctx_.progress.settle();
    timings_["copy_seconds"] = seconds_since(started);
    journal(move_phase::copied);
    crash_point("copied");
}

// The walker's copy, where the sets would not be its rows: one walk in one snapshot, with
// each row's digest read on the way for verify.
void account_mover::copy_by_walk(destination_writer& writer) {
    const auto layouts = digest_layouts(ctx_.layouts, ctx_.model, ctx_.plan, false);
    bool restarted = false;
    row_walker walker(ctx_.model, ctx_.plan, layouts);
    must(ctx_.source.run_blocking([&](sql::Connection& c) {
             if (restarted) writer.read_again();  // pages of the lost walk may be there
             restarted = true;
             source_.clear();
             walker.walk(c, {id_}, [&](const table_layout& t, std::vector<table_row>& rows) {
                 collect_digests(t, rows, source_[t.name]);
                 writer.write(t, std::move(rows));
             });
             return true;
         }),
         "copying the account's rows");
}

void account_mover::verify() {
    ctx_.progress.phase(account_, "verify", "row counts and per-row digests on both sides");
    const auto started = clock::now();
    if (source_.empty() && verify_by_sums()) {
        timings_["verify_method"] = "checksums";
        timings_["verify_seconds"] = seconds_since(started);
        journal(move_phase::verified);
        crash_point("verified");
        return;
    }
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
    checked_.clear();
    for (const auto& [table, d] : source_) checked_[table] = {d.by_key.size(), table_checksum(d)};
    timings_["verify_method"] = "row digests";
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
    for (const auto& [table, check] : checked_) {
        tables[table] = {{"rows", check.rows}, {"bytes", totals_[table].bytes},
                         {"write_seconds", totals_[table].seconds}, {"checksum", check.checksum}};
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
        const auto checking = clock::now();
        if (auto refused = preflight()) return *refused;
        timings_["preflight_seconds"] = seconds_since(checking);
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

}  // namespace detail

move_result move_account(const move_context& ctx, std::uint64_t account) {
    return detail::account_mover(ctx, account).start();
}

move_result resume_move(const move_context& ctx, std::uint64_t account) {
    return detail::account_mover(ctx, account).resume();
}

}  // namespace gangway::mover
