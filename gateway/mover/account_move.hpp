#pragma once

// One account's move between two sites' databases (`gangway migrate`, docs/mover.md):
//
//   pre-flight  placement active here, none (or moved) there; the destination holds none of
//               the account's keys or user emails. Nothing is locked yet.  -> journal: checked
//   lock        the account locked at the source, the fence holds.          -> locked
//   copy        the walker's pages inserted on the destination (destination_writer).
//                                                                           -> copied
//   verify      both sides walked for row digests: same rows, same values; end_sql runs.
//                                                                           -> verified
//   flip        destination active, then source moved (audited on both). -> flipped
//
// Every step is recorded in the source's journal (move_journal.hpp) before the next starts,
// so resume() continues after the last recorded step and abort() undoes what was done.
// Failures never throw: the result says what happened, the state the account is in now, and
// the command that continues or undoes it.

#include <chrono>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "gateway/mover/row_digest.hpp"
#include "gateway/mover/schema_model.hpp"
#include "gateway/mover/traversal_plan.hpp"
#include "gateway/placement/account_ops.hpp"

namespace gangway {
class db_pool;
}

namespace gangway::mover {

class move_progress;

// What every move of one run shares.
struct move_context {
    const schema_model& model;
    const traversal_plan& plan;
    const layout_map& layouts;  // the source's tables, full (the destination's match them)
    db_pool& source;
    db_pool& destination;  // at least jobs + 1 connections
    std::string from_site;
    std::string to_site;
    fence_settings fence;  // the source site's instances
    std::string users_table;   // its email_column must not collide on the destination
    std::string email_column;  // ("" when the model does not copy users_table)
    unsigned jobs = 4;
    // The destination still holds the account's rows from before it moved away (its placement
    // there: moved): delete them once the account is locked, and copy afresh.
    bool replace_stale = false;
    std::string by;  // for the audit log and the journal
    move_progress& progress;
};

struct move_result {
    enum class outcome { moved, already_moved, aborted, rehearsed, failed, refused } result =
        outcome::failed;
    std::string message;  // what happened, the account's state, what to run next
    nlohmann::json report;  // per table rows, bytes, checksum; timings; lock window
    int exit_code() const noexcept {
        return result == outcome::failed || result == outcome::refused ? 1 : 0;
    }
};

move_result move_account(const move_context& ctx, std::uint64_t account);
move_result resume_move(const move_context& ctx, std::uint64_t account);
move_result abort_move(const move_context& ctx, std::uint64_t account);

}  // namespace gangway::mover
