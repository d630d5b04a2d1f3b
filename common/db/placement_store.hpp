#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sql {
class Connection;
}

// Statements on gangway's own tables (db/migrations/, docs/database.md). Each function takes a
// connection so it runs either blocking (CLI, refresher thread) or through db_pool::run; all
// use prepared statements. Writes are single transactions: safe to retry after a lost
// connection (a retried compare-and-set reports a conflict rather than applying twice).
namespace gangway {

enum class placement_state { active, locked, moved };
std::string_view to_string(placement_state s) noexcept;
std::optional<placement_state> placement_state_from_string(std::string_view s) noexcept;

struct placement_row {
    std::uint64_t account_id = 0;
    placement_state state = placement_state::active;
    std::string site;
    std::uint64_t version = 0;
    std::string updated_at;  // UTC, "YYYY-MM-DD HH:MM:SS.ffffff"
    std::string updated_by;
    std::string reason;
};

struct audit_row {
    std::uint64_t id = 0;
    std::uint64_t account_id = 0;
    std::string from_state;  // "" for the first placement of an account
    std::string from_site;
    std::string to_state;
    std::string to_site;
    std::uint64_t version = 0;
    std::string changed_at;
    std::string changed_by;
    std::string reason;
};

std::optional<placement_row> get_placement(sql::Connection& c, std::uint64_t account_id);
// Changes with a version above `version`, oldest first, at most `limit`.
std::vector<placement_row> placement_changes_since(sql::Connection& c, std::uint64_t version,
                                                   std::size_t limit);
// The sequence's value: every change up to it has committed.
std::uint64_t current_placement_version(sql::Connection& c);
// Keyset pagination by account id.
std::vector<placement_row> list_placements(sql::Connection& c, const std::optional<std::string>& site,
                                           std::optional<placement_state> state,
                                           std::uint64_t after_account_id, std::size_t limit);

struct placement_change {
    std::uint64_t account_id = 0;
    // nullopt: insert, the account must not be placed yet; a value: compare-and-set.
    std::optional<std::uint64_t> expected_version;
    placement_state state = placement_state::active;
    std::string site;
    std::string changed_by;
    std::string reason;
};

struct set_outcome {
    enum kind_t { applied, version_conflict, not_found, already_exists } kind = applied;
    std::optional<placement_row> row;  // the row after the attempt, when there is one
};

// One transaction: lock the row, check, take the next sequence value, write, audit.
set_outcome set_placement(sql::Connection& c, const placement_change& change);

std::vector<audit_row> list_audit(sql::Connection& c, std::optional<std::uint64_t> account_id,
                                  std::uint64_t after_id, std::size_t limit);

// ---- the fence --------------------------------------------------------------------------

// Upserts the instance's heartbeat (database clock) and replaces its in-flight rows.
void write_heartbeat(sql::Connection& c, const std::string& instance_id, const std::string& site,
                     std::uint64_t version_seen,
                     const std::vector<std::pair<std::uint64_t, int>>& inflight_locked);

struct instance_status {
    std::string instance_id;
    std::uint64_t version_seen = 0;
    int inflight_for_account = 0;
};

// Instances of `site` whose last heartbeat is within `ttl` of the database's clock, with their
// in-flight requests for `account_id`.
std::vector<instance_status> live_instances(sql::Connection& c, const std::string& site,
                                            std::chrono::milliseconds ttl, std::uint64_t account_id);
// A cleanly stopping instance no longer holds any fence.
void remove_instance(sql::Connection& c, const std::string& instance_id);

// ---- revoked sessions -------------------------------------------------------------------

void revoke_session(sql::Connection& c, const std::string& session_id, std::int64_t expires_at_unix);
// (id, session id) pairs with an id above `after_id`, oldest first.
std::vector<std::pair<std::uint64_t, std::string>> revoked_sessions_since(sql::Connection& c,
                                                                          std::uint64_t after_id,
                                                                          std::size_t limit);
// Deletes revocations of sessions that have expired anyway; returns how many.
std::uint64_t purge_expired_revocations(sql::Connection& c);

}  // namespace gangway
