#pragma once

// `gangway migrate --rehearsal`: the seed's test run. No lock, no journal, no flip: the
// account's rows, cleansed by the model's rules, are copied into a scratch database on the
// destination's server (its tables re-created empty, LIKE the destination's), then walked
// there as verify would. The report has per-table rows, bytes and write seconds, the copy and
// verify times, and the predicted lock window of the real move: the fence wait (estimated
// from the placement settings) + copy + verify.

#include <chrono>
#include <cstdint>
#include <string>

#include "gateway/mover/account_move.hpp"

namespace gangway::mover {

struct rehearsal_settings {
    db_pool* scratch;              // connects to scratch_database (created if missing)
    std::string scratch_database;  // on the destination's server
    std::string destination_database;
    std::string cleansing_key;
    std::chrono::milliseconds fence_estimate;  // what the lock usually waits
};

move_result rehearse_move(const move_context& ctx, const rehearsal_settings& settings,
                          std::uint64_t account);

}  // namespace gangway::mover
