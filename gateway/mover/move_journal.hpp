#pragma once

// The mover's journal (db/migrations/0003_moves.sql): one row per move of one account, on the
// source site's database, recording the last step that completed, so a killed `gangway
// migrate` can be resumed or aborted. Blocking; prepared statements.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sql {
class Connection;
}

namespace gangway::mover {

enum class move_phase { checked, locked, copied, verified, flipped, aborted };

std::string_view to_string(move_phase p) noexcept;
std::optional<move_phase> move_phase_from_string(std::string_view s) noexcept;

struct move_record {
    std::uint64_t move_id = 0;
    std::uint64_t account_id = 0;
    std::string from_site;
    std::string to_site;
    move_phase phase = move_phase::checked;
    std::optional<std::uint64_t> lock_version;  // the placement version of our lock
    std::string started_at;
    std::string updated_at;
    std::string started_by;
};

// The account's move in progress (neither flipped nor aborted), if any.
std::optional<move_record> open_move(sql::Connection& c, std::uint64_t account_id);

// The account's latest move, whatever its phase.
std::optional<move_record> latest_move(sql::Connection& c, std::uint64_t account_id);

// Starts a move in phase `checked`. nullopt when the account already has a move in progress.
std::optional<move_record> start_move(sql::Connection& c, std::uint64_t account_id,
                                      const std::string& from_site, const std::string& to_site,
                                      const std::string& by);

// Records that the move reached `phase` (and the lock's version, the final report).
void advance_move(sql::Connection& c, std::uint64_t move_id, move_phase phase,
                  std::optional<std::uint64_t> lock_version = std::nullopt,
                  const std::string& report = {});

}  // namespace gangway::mover
