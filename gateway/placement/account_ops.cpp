#include "gateway/placement/account_ops.hpp"

#include <thread>
#include <vector>

#include <fmt/format.h>

#include "common/db/db_pool.hpp"

namespace gangway {
namespace {

using outcome = account_change::outcome;
constexpr auto fence_poll_interval = std::chrono::milliseconds(20);

// "active on legacy", "locked on legacy", but "moved to new": a moved row names where the
// account went, not where the row is.
std::string describe(const placement_row& row) {
    const char* where = row.state == placement_state::moved ? "to" : "on";
    return fmt::format("{} {} {} (version {})", to_string(row.state), where, row.site, row.version);
}

account_change database_failed(std::uint64_t account_id, const std::string& what,
                               const std::string& message) {
    return {outcome::failed,
            fmt::format("account {}: {} failed: {}; check `gangway accounts show {}` for its "
                        "state before retrying",
                        account_id, what, message, account_id),
            std::nullopt};
}

// One compare-and-set write, mapped to an operator-facing outcome.
account_change write(db_pool& db, const placement_change& change, const std::string& what) {
    auto done = db.run_blocking([&](sql::Connection& c) { return set_placement(c, change); });
    if (!done) return database_failed(change.account_id, what, done.message);
    const set_outcome& r = *done.value;
    switch (r.kind) {
        case set_outcome::applied:
            return {outcome::applied, fmt::format("account {}: {}", change.account_id,
                                                  describe(*r.row)), r.row};
        case set_outcome::version_conflict:
            return {outcome::conflict,
                    fmt::format("account {}: version conflict: it is now {}; nothing changed",
                                change.account_id, r.row ? describe(*r.row) : "unknown"),
                    r.row};
        case set_outcome::not_found:
            return {outcome::not_found,
                    fmt::format("account {}: no placement on this site; nothing changed",
                                change.account_id),
                    std::nullopt};
        case set_outcome::already_exists:
            return {outcome::conflict,
                    fmt::format("account {}: already placed ({}); nothing changed",
                                change.account_id, r.row ? describe(*r.row) : "unknown"),
                    r.row};
    }
    return database_failed(change.account_id, what, "unexpected outcome");
}

account_change wait_for_fence(db_pool& db, const fence_settings& fence, const placement_row& before,
                              account_change locked, const std::string& by) {
    const std::uint64_t account_id = before.account_id;
    const std::optional<std::string> holders = await_fence(db, fence, account_id, locked.row->version);
    if (!holders) {
        locked.message = fmt::format("account {}: locked on {}; the fence holds (version {})",
                                     account_id, fence.site, locked.row->version);
        return locked;
    }
    const std::string why = fmt::format("fence timeout after {} ms: {}", fence.timeout.count(), *holders);
    placement_change restore{account_id, locked.row->version, before.state, before.site, by,
                             "restored: " + why};
    account_change restored = write(db, restore, "restoring the placement");
    if (restored.result != outcome::applied) {
        restored.message = fmt::format(
            "account {}: {}; restoring the previous placement also failed: {}. The account is "
            "LOCKED: run `gangway accounts unlock {}` once the database answers",
            account_id, why, restored.message, account_id);
        return restored;
    }
    return {outcome::fence_timeout,
            fmt::format("account {}: the lock did not take hold ({}); the placement was restored "
                        "to {}. Nothing was moved; retry when those requests are done",
                        account_id, why, describe(*restored.row)),
            restored.row};
}

}  // namespace

// Empty when every live instance has applied `version` and holds no request of the account;
// otherwise a description of the instances still holding the fence open.
std::optional<std::string> fence_holders(db_pool& db, const fence_settings& fence,
                                         std::uint64_t account_id, std::uint64_t version) {
    auto live = db.run_blocking([&](sql::Connection& c) {
        return live_instances(c, fence.site, fence.instance_ttl, account_id);
    });
    if (!live) return "database unreachable (" + live.message + ")";
    std::string holders;
    for (const instance_status& i : *live.value) {
        if (i.version_seen >= version && i.inflight_for_account == 0) continue;
        if (!holders.empty()) holders += ", ";
        holders += i.version_seen < version
                       ? fmt::format("{} (has seen version {} of {})", i.instance_id,
                                     i.version_seen, version)
                       : fmt::format("{} ({} request(s) in flight)", i.instance_id,
                                     i.inflight_for_account);
    }
    if (holders.empty()) return std::nullopt;
    return holders;
}

std::optional<std::string> await_fence(db_pool& db, const fence_settings& fence,
                                       std::uint64_t account_id, std::uint64_t version) {
    const auto deadline = std::chrono::steady_clock::now() + fence.timeout;
    std::optional<std::string> holders;
    while ((holders = fence_holders(db, fence, account_id, version))) {
        if (std::chrono::steady_clock::now() >= deadline) break;
        std::this_thread::sleep_for(fence_poll_interval);
    }
    return holders;
}

std::string_view outcome_name(account_change::outcome o) noexcept {
    switch (o) {
        case outcome::applied: return "applied";
        case outcome::refused: return "refused";
        case outcome::conflict: return "conflict";
        case outcome::not_found: return "not_found";
        case outcome::fence_timeout: return "fence_timeout";
        case outcome::failed: return "failed";
    }
    return "failed";
}

account_change set_account(db_pool& db, const fence_settings& fence, std::uint64_t account_id,
                           placement_state state, const std::string& site,
                           std::optional<std::uint64_t> expected_version, const std::string& by,
                           const std::string& reason) {
    auto current = db.run_blocking([account_id](sql::Connection& c) { return get_placement(c, account_id); });
    if (!current) return database_failed(account_id, "reading the placement", current.message);
    const std::optional<placement_row>& before = *current.value;
    if (state == placement_state::locked && before &&
        !(before->state == placement_state::active && before->site == fence.site)) {
        return {outcome::refused,
                fmt::format("account {}: only an account active on {} can be locked; it is {}; "
                            "nothing changed",
                            account_id, fence.site, describe(*before)),
                before};
    }
    placement_change change{account_id, expected_version, state, site, by, reason};
    if (expected_version && before && before->version != *expected_version) {
        return {outcome::conflict,
                fmt::format("account {}: version conflict: it is now {}; nothing changed",
                            account_id, describe(*before)),
                before};
    }
    account_change written = write(db, change, "changing the placement");
    if (written.result != outcome::applied || state != placement_state::locked || !before)
        return written;
    return wait_for_fence(db, fence, *before, std::move(written), by);
}

account_change lock_account(db_pool& db, const fence_settings& fence, std::uint64_t account_id,
                            const std::string& by, const std::string& reason,
                            std::optional<std::uint64_t> expected_version) {
    auto current = db.run_blocking([account_id](sql::Connection& c) { return get_placement(c, account_id); });
    if (!current) return database_failed(account_id, "reading the placement", current.message);
    if (!*current.value)
        return {outcome::not_found,
                fmt::format("account {}: no placement on this site; nothing changed", account_id),
                std::nullopt};
    return set_account(db, fence, account_id, placement_state::locked, fence.site,
                       expected_version ? expected_version : (*current.value)->version, by, reason);
}

account_change unlock_account(db_pool& db, const fence_settings& fence, std::uint64_t account_id,
                              const std::string& by, const std::string& reason,
                              std::optional<std::uint64_t> expected_version) {
    auto current = db.run_blocking([account_id](sql::Connection& c) { return get_placement(c, account_id); });
    if (!current) return database_failed(account_id, "reading the placement", current.message);
    const std::optional<placement_row>& before = *current.value;
    if (!before)
        return {outcome::not_found,
                fmt::format("account {}: no placement on this site; nothing changed", account_id),
                std::nullopt};
    if (before->state != placement_state::locked)
        return {outcome::refused,
                fmt::format("account {}: not locked (it is {}); nothing changed", account_id,
                            describe(*before)),
                before};
    return set_account(db, fence, account_id, placement_state::active, fence.site,
                       expected_version ? expected_version : before->version, by, reason);
}

}  // namespace gangway
