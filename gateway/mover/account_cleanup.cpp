#include "gateway/mover/account_move.hpp"

#include "gateway/mover/account_mover.hpp"
#include "gateway/mover/move_progress.hpp"

namespace gangway::mover {
namespace detail {

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

}  // namespace detail

move_result abort_move(const move_context& ctx, std::uint64_t account) {
    return detail::account_mover(ctx, account).abort();
}

}  // namespace gangway::mover
