#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "common/db/placement_store.hpp"

namespace gangway {

class db_pool;

// Placement changes made by operators (CLI `gangway accounts`, admin API) and by the mover.
// Blocking: call from a CLI or an ops thread, never from an I/O thread.

struct fence_settings {
    std::string site;                    // this site: whose instances must confirm
    std::chrono::milliseconds instance_ttl;  // older heartbeats are presumed dead
    std::chrono::milliseconds timeout;       // how long a lock waits for the fence
};

struct account_change {
    enum class outcome {
        applied,    // done (for a lock: the fence holds)
        refused,    // the request does not fit the current state (nothing changed)
        conflict,   // expected_version did not match (nothing changed)
        not_found,  // no placement row for the account
        fence_timeout,  // lock did not take hold in time; the previous placement was restored
        failed,     // database error; message says what state the account is in
    } result = outcome::failed;
    std::string message;  // for the operator: what happened, the state now, what to do
    std::optional<placement_row> row;  // the placement after the operation, when known
};

std::string_view outcome_name(account_change::outcome o) noexcept;

// Empty when every live instance of the site has applied `version` and holds no request of
// the account; otherwise a description of the instances still holding the fence open.
std::optional<std::string> fence_holders(db_pool& db, const fence_settings& fence,
                                         std::uint64_t account_id, std::uint64_t version);

// fence_holders, polled until it is empty or fence.timeout has passed: empty when the fence
// holds, else who held it open at the end.
std::optional<std::string> await_fence(db_pool& db, const fence_settings& fence,
                                       std::uint64_t account_id, std::uint64_t version);

// active here -> locked, then waits until every live instance of the site has applied the
// lock and has no request of the account in flight. On fence timeout the placement is set
// back to what it was (a new version, audited) and the outcome says which instances held it.
account_change lock_account(db_pool& db, const fence_settings& fence, std::uint64_t account_id,
                            const std::string& by, const std::string& reason,
                            std::optional<std::uint64_t> expected_version = std::nullopt);

// locked -> active on this site.
account_change unlock_account(db_pool& db, const fence_settings& fence, std::uint64_t account_id,
                              const std::string& by, const std::string& reason,
                              std::optional<std::uint64_t> expected_version = std::nullopt);

// Any state and site, compare-and-set on expected_version (nullopt: insert a new account,
// refused as a conflict when it exists);
// a change to `locked` waits for the fence like lock_account.
account_change set_account(db_pool& db, const fence_settings& fence, std::uint64_t account_id,
                           placement_state state, const std::string& site,
                           std::optional<std::uint64_t> expected_version, const std::string& by,
                           const std::string& reason);

}  // namespace gangway
