#include "gateway/mover/move_journal.hpp"

#include <array>
#include <memory>

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

namespace gangway::mover {
namespace {

using statement = std::unique_ptr<sql::PreparedStatement>;
using rows = std::unique_ptr<sql::ResultSet>;

constexpr std::array<std::string_view, 6> phase_names{"checked",  "locked",  "copied",
                                                      "verified", "flipped", "aborted"};

constexpr const char* select_moves =
    "SELECT move_id, account_id, from_site, to_site, phase, lock_version, "
    "DATE_FORMAT(started_at, '%Y-%m-%d %H:%i:%s.%f'), "
    "DATE_FORMAT(updated_at, '%Y-%m-%d %H:%i:%s.%f'), started_by FROM gangway_moves ";

move_record read_move(sql::ResultSet& r) {
    move_record m;
    m.move_id = r.getUInt64(1);
    m.account_id = r.getUInt64(2);
    m.from_site = r.getString(3);
    m.to_site = r.getString(4);
    m.phase = move_phase_from_string(std::string(r.getString(5))).value_or(move_phase::checked);
    if (!r.isNull(6)) m.lock_version = r.getUInt64(6);
    m.started_at = r.getString(7);
    m.updated_at = r.getString(8);
    m.started_by = r.getString(9);
    return m;
}

std::optional<move_record> one_move(sql::Connection& c, const std::string& where,
                                    std::uint64_t account_id) {
    statement st(c.prepareStatement(std::string(select_moves) + where));
    st->setUInt64(1, account_id);
    rows r(st->executeQuery());
    if (!r->next()) return std::nullopt;
    return read_move(*r);
}

}  // namespace

std::string_view to_string(move_phase p) noexcept { return phase_names[static_cast<std::size_t>(p)]; }

std::optional<move_phase> move_phase_from_string(std::string_view s) noexcept {
    for (std::size_t i = 0; i < phase_names.size(); ++i) {
        if (phase_names[i] == s) return static_cast<move_phase>(i);
    }
    return std::nullopt;
}

std::optional<move_record> open_move(sql::Connection& c, std::uint64_t account_id) {
    return one_move(c, "WHERE open_account = ?", account_id);
}

std::optional<move_record> latest_move(sql::Connection& c, std::uint64_t account_id) {
    return one_move(c, "WHERE account_id = ? ORDER BY move_id DESC LIMIT 1", account_id);
}

std::optional<move_record> start_move(sql::Connection& c, std::uint64_t account_id,
                                      const std::string& from_site, const std::string& to_site,
                                      const std::string& by) {
    statement st(c.prepareStatement(
        "INSERT INTO gangway_moves (account_id, from_site, to_site, phase, started_at, "
        "updated_at, started_by) VALUES (?, ?, ?, 'checked', UTC_TIMESTAMP(6), "
        "UTC_TIMESTAMP(6), ?)"));
    st->setUInt64(1, account_id);
    st->setString(2, from_site);
    st->setString(3, to_site);
    st->setString(4, by);
    try {
        st->executeUpdate();
    } catch (const sql::SQLException& e) {
        if (e.getErrorCode() == 1062) return std::nullopt;  // ER_DUP_ENTRY: one is in progress
        throw;
    }
    return open_move(c, account_id);
}

void advance_move(sql::Connection& c, std::uint64_t move_id, move_phase phase,
                  std::optional<std::uint64_t> lock_version, const std::string& report) {
    statement st(c.prepareStatement(
        "UPDATE gangway_moves SET phase = ?, lock_version = COALESCE(?, lock_version), "
        "report = COALESCE(?, report), updated_at = UTC_TIMESTAMP(6) WHERE move_id = ?"));
    st->setString(1, std::string(to_string(phase)));
    if (lock_version) {
        st->setUInt64(2, *lock_version);
    } else {
        st->setNull(2, 0);
    }
    if (report.empty()) {
        st->setNull(3, 0);
    } else {
        st->setString(3, report);
    }
    st->setUInt64(4, move_id);
    st->executeUpdate();
}

}  // namespace gangway::mover
