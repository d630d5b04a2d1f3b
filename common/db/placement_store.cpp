#include "common/db/placement_store.hpp"

#include <memory>

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include "common/db/transaction.hpp"

namespace gangway {
namespace {

using statement = std::unique_ptr<sql::PreparedStatement>;
using rows = std::unique_ptr<sql::ResultSet>;

// "SELECT <placement columns> FROM gangway_placement" + rest, built with append: GCC 12 warns
// (-Warray-bounds, a false positive) on chains of operator+ over literals.
std::string select_placements(std::string_view rest);

constexpr const char* placement_columns =
    "account_id, state, site, version, DATE_FORMAT(updated_at, '%Y-%m-%d %H:%i:%s.%f'), "
    "updated_by, reason";

std::string select_placements(std::string_view rest) {
    std::string query;
    query.reserve(160 + rest.size());
    query.append("SELECT ").append(placement_columns).append(" FROM gangway_placement").append(rest);
    return query;
}

placement_row read_placement(sql::ResultSet& r) {
    placement_row p;
    p.account_id = r.getUInt64(1);
    p.state = placement_state_from_string(std::string(r.getString(2))).value_or(placement_state::locked);
    p.site = r.getString(3);
    p.version = r.getUInt64(4);
    p.updated_at = r.getString(5);
    p.updated_by = r.getString(6);
    p.reason = r.getString(7);
    return p;
}

std::vector<placement_row> read_placements(sql::PreparedStatement& st) {
    std::vector<placement_row> out;
    rows r(st.executeQuery());
    while (r->next()) out.push_back(read_placement(*r));
    return out;
}
std::optional<placement_row> locked_row(sql::Connection& c, std::uint64_t account_id) {
    statement st(c.prepareStatement(select_placements(" WHERE account_id = ? FOR UPDATE")));
    st->setUInt64(1, account_id);
    rows r(st->executeQuery());
    if (!r->next()) return std::nullopt;
    return read_placement(*r);
}

std::uint64_t next_version(sql::Connection& c) {
    statement bump(c.prepareStatement(
        "UPDATE gangway_placement_sequence SET value = LAST_INSERT_ID(value + 1) WHERE id = 1"));
    bump->execute();
    statement last(c.prepareStatement("SELECT LAST_INSERT_ID()"));
    rows r(last->executeQuery());
    r->next();
    return r->getUInt64(1);
}

void write_row(sql::Connection& c, const placement_change& ch, std::uint64_t version, bool insert) {
    statement st(c.prepareStatement(
        insert ? "INSERT INTO gangway_placement (state, site, version, updated_by, reason, updated_at,"
                 " account_id) VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP(6), ?)"
               : "UPDATE gangway_placement SET state = ?, site = ?, version = ?, updated_by = ?,"
                 " reason = ?, updated_at = UTC_TIMESTAMP(6) WHERE account_id = ?"));
    st->setString(1, std::string(to_string(ch.state)));
    st->setString(2, ch.site);
    st->setUInt64(3, version);
    st->setString(4, ch.changed_by);
    st->setString(5, ch.reason);
    st->setUInt64(6, ch.account_id);
    st->execute();
}

void write_audit(sql::Connection& c, const placement_change& ch, const std::optional<placement_row>& before,
                 std::uint64_t version) {
    statement st(c.prepareStatement(
        "INSERT INTO gangway_placement_audit (account_id, from_state, from_site, to_state, to_site,"
        " version, changed_at, changed_by, reason) VALUES (?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6), ?, ?)"));
    st->setUInt64(1, ch.account_id);
    st->setString(2, before ? std::string(to_string(before->state)) : "");
    st->setString(3, before ? before->site : "");
    st->setString(4, std::string(to_string(ch.state)));
    st->setString(5, ch.site);
    st->setUInt64(6, version);
    st->setString(7, ch.changed_by);
    st->setString(8, ch.reason);
    st->execute();
}

}  // namespace

std::string_view to_string(placement_state s) noexcept {
    switch (s) {
        case placement_state::active: return "active";
        case placement_state::locked: return "locked";
        case placement_state::moved: return "moved";
    }
    return "locked";
}

std::optional<placement_state> placement_state_from_string(std::string_view s) noexcept {
    if (s == "active") return placement_state::active;
    if (s == "locked") return placement_state::locked;
    if (s == "moved") return placement_state::moved;
    return std::nullopt;
}

std::optional<placement_row> get_placement(sql::Connection& c, std::uint64_t account_id) {
    statement st(c.prepareStatement(select_placements(" WHERE account_id = ?")));
    st->setUInt64(1, account_id);
    auto found = read_placements(*st);
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
}

std::vector<placement_row> placement_changes_since(sql::Connection& c, std::uint64_t version,
                                                   std::size_t limit) {
    statement st(c.prepareStatement(select_placements(" WHERE version > ? ORDER BY version LIMIT ?")));
    st->setUInt64(1, version);
    st->setUInt64(2, limit);
    return read_placements(*st);
}

std::uint64_t current_placement_version(sql::Connection& c) {
    statement st(c.prepareStatement("SELECT value FROM gangway_placement_sequence WHERE id = 1"));
    rows r(st->executeQuery());
    return r->next() ? r->getUInt64(1) : 0;
}

std::vector<placement_row> list_placements(sql::Connection& c, const std::optional<std::string>& site,
                                           std::optional<placement_state> state,
                                           std::uint64_t after_account_id, std::size_t limit) {
    std::string query = select_placements(" WHERE account_id > ?");
    if (site) query.append(" AND site = ?");
    if (state) query.append(" AND state = ?");
    query.append(" ORDER BY account_id LIMIT ?");
    statement st(c.prepareStatement(query));
    int i = 1;
    st->setUInt64(i++, after_account_id);
    if (site) st->setString(i++, *site);
    if (state) st->setString(i++, std::string(to_string(*state)));
    st->setUInt64(i, limit);
    return read_placements(*st);
}

set_outcome set_placement(sql::Connection& c, const placement_change& change) {
    transaction tx(c);
    // The sequence first, the row second: writers queue on the one sequence row before they
    // touch any placement row. Locking the row first let two inserts of new accounts whose ids
    // share an index gap deadlock (both hold the gap lock, each waits for the other).
    // A refused change rolls back, sequence bump included, so versions have no holes.
    const std::uint64_t version = next_version(c);
    const auto before = locked_row(c, change.account_id);
    if (!change.expected_version && before) return {set_outcome::already_exists, before};
    if (change.expected_version && !before) return {set_outcome::not_found, std::nullopt};
    if (change.expected_version && before->version != *change.expected_version)
        return {set_outcome::version_conflict, before};
    write_row(c, change, version, !before);
    write_audit(c, change, before, version);
    auto after = locked_row(c, change.account_id);
    tx.commit();
    return {set_outcome::applied, std::move(after)};
}

std::vector<audit_row> list_audit(sql::Connection& c, std::optional<std::uint64_t> account_id,
                                  std::uint64_t after_id, std::size_t limit) {
    std::string query =
        "SELECT id, account_id, from_state, from_site, to_state, to_site, version,"
        " DATE_FORMAT(changed_at, '%Y-%m-%d %H:%i:%s.%f'), changed_by, reason"
        " FROM gangway_placement_audit WHERE id > ?";
    if (account_id) query.append(" AND account_id = ?");
    query.append(" ORDER BY id LIMIT ?");
    statement st(c.prepareStatement(query));
    int i = 1;
    st->setUInt64(i++, after_id);
    if (account_id) st->setUInt64(i++, *account_id);
    st->setUInt64(i, limit);
    rows r(st->executeQuery());
    std::vector<audit_row> out;
    while (r->next()) {
        out.push_back({r->getUInt64(1), r->getUInt64(2), r->getString(3), r->getString(4),
                       r->getString(5), r->getString(6), r->getUInt64(7), r->getString(8),
                       r->getString(9), r->getString(10)});
    }
    return out;
}

void write_heartbeat(sql::Connection& c, const std::string& instance_id, const std::string& site,
                     std::uint64_t version_seen,
                     const std::vector<std::pair<std::uint64_t, int>>& inflight_locked) {
    transaction tx(c);
    statement beat(c.prepareStatement(
        "INSERT INTO gangway_instance (instance_id, site, placement_version_seen, heartbeat_at,"
        " started_at) VALUES (?, ?, ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))"
        " ON DUPLICATE KEY UPDATE site = VALUES(site),"
        " placement_version_seen = VALUES(placement_version_seen), heartbeat_at = VALUES(heartbeat_at)"));
    beat->setString(1, instance_id);
    beat->setString(2, site);
    beat->setUInt64(3, version_seen);
    beat->execute();
    statement clear(c.prepareStatement("DELETE FROM gangway_instance_inflight WHERE instance_id = ?"));
    clear->setString(1, instance_id);
    clear->execute();
    if (!inflight_locked.empty()) {
        statement add(c.prepareStatement(
            "INSERT INTO gangway_instance_inflight (instance_id, account_id, requests) VALUES (?, ?, ?)"));
        for (const auto& [account, requests] : inflight_locked) {
            add->setString(1, instance_id);
            add->setUInt64(2, account);
            add->setInt(3, requests);
            add->execute();
        }
    }
    tx.commit();
}

std::vector<instance_status> live_instances(sql::Connection& c, const std::string& site,
                                            std::chrono::milliseconds ttl, std::uint64_t account_id) {
    statement st(c.prepareStatement(
        "SELECT i.instance_id, i.placement_version_seen, COALESCE(f.requests, 0)"
        " FROM gangway_instance i LEFT JOIN gangway_instance_inflight f"
        " ON f.instance_id = i.instance_id AND f.account_id = ?"
        " WHERE i.site = ? AND i.heartbeat_at >= UTC_TIMESTAMP(6) - INTERVAL ? MICROSECOND"
        " ORDER BY i.instance_id"));
    st->setUInt64(1, account_id);
    st->setString(2, site);
    st->setInt64(3, std::chrono::duration_cast<std::chrono::microseconds>(ttl).count());
    rows r(st->executeQuery());
    std::vector<instance_status> out;
    while (r->next()) out.push_back({r->getString(1), r->getUInt64(2), r->getInt(3)});
    return out;
}

void remove_instance(sql::Connection& c, const std::string& instance_id) {
    transaction tx(c);
    for (const char* table : {"gangway_instance_inflight", "gangway_instance"}) {
        std::string sql_text("DELETE FROM ");
        sql_text.append(table).append(" WHERE instance_id = ?");
        statement st(c.prepareStatement(sql_text));
        st->setString(1, instance_id);
        st->execute();
    }
    tx.commit();
}

void revoke_session(sql::Connection& c, const std::string& session_id, std::int64_t expires_at_unix) {
    // Readers poll "id > last seen", so ids must become visible in id order. AUTO_INCREMENT
    // alone does not promise that (two inserts may commit in the other order, and the reader
    // would skip the smaller id for good). Holding the placement sequence row while inserting
    // serialises revocations (and placement writers, briefly): each id commits before the
    // next is allocated.
    transaction tx(c);
    statement order(c.prepareStatement(
        "SELECT value FROM gangway_placement_sequence WHERE id = 1 FOR UPDATE"));
    rows held(order->executeQuery());
    statement st(c.prepareStatement(
        "INSERT INTO gangway_revoked_session (session_id, expires_at, revoked_at)"
        " VALUES (?, FROM_UNIXTIME(?), UTC_TIMESTAMP(6))"
        " ON DUPLICATE KEY UPDATE expires_at = GREATEST(expires_at, VALUES(expires_at))"));
    st->setString(1, session_id);
    st->setInt64(2, expires_at_unix);
    st->execute();
    tx.commit();
}

std::vector<std::pair<std::uint64_t, std::string>> revoked_sessions_since(sql::Connection& c,
                                                                          std::uint64_t after_id,
                                                                          std::size_t limit) {
    statement st(c.prepareStatement(
        "SELECT id, session_id FROM gangway_revoked_session WHERE id > ? ORDER BY id LIMIT ?"));
    st->setUInt64(1, after_id);
    st->setUInt64(2, limit);
    rows r(st->executeQuery());
    std::vector<std::pair<std::uint64_t, std::string>> out;
    while (r->next()) out.emplace_back(r->getUInt64(1), r->getString(2));
    return out;
}

std::uint64_t purge_expired_revocations(sql::Connection& c) {
    statement st(c.prepareStatement("DELETE FROM gangway_revoked_session WHERE expires_at < UTC_TIMESTAMP()"));
    return static_cast<std::uint64_t>(st->executeUpdate());
}

}  // namespace gangway
