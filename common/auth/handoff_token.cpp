#include "common/auth/handoff_token.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "common/crypto/base64url.hpp"
#include "common/db/transaction.hpp"

namespace gangway {
namespace {

using statement = std::unique_ptr<sql::PreparedStatement>;
using rows = std::unique_ptr<sql::ResultSet>;

constexpr std::size_t token_bytes = 32;

// Binary values travel as hex through UNHEX(?): plain text parameters, so nothing depends on
// how the connector binds strings that contain NUL bytes.
std::string hex(const std::array<unsigned char, 32>& bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char b : bytes) {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

std::array<unsigned char, 32> sha256(std::string_view text) {
    std::array<unsigned char, 32> out{};
    unsigned int size = 0;
    if (EVP_Digest(text.data(), text.size(), out.data(), &size, EVP_sha256(), nullptr) != 1 ||
        size != out.size())
        throw std::runtime_error("SHA-256 failed");
    return out;
}

// 43 base64url characters that decode to 32 bytes (canonically: the 2 leftover bits are zero).
// Anything else cannot be a token we issued, so it never reaches the database.
bool well_formed(std::string_view token) {
    if (token.size() != handoff_token_chars) return false;
    const auto raw = base64url_decode(token);
    return raw && raw->size() == token_bytes;
}

// The row under the token's hash, with the conditions of the redeeming UPDATE evaluated by the
// server, so the reason given for a refusal uses exactly the comparisons (collation, padding)
// that refused it.
struct handoff_row {
    handoff_grant grant;
    bool redeemed = false;
    bool expired = false;
    bool audience_matches = false;
    bool client_matches = false;
};

std::optional<handoff_row> read_row(sql::Connection& c, const std::string& token_hex,
                                    std::string_view audience, std::string_view client_ip,
                                    const std::string& user_agent_hex) {
    statement st(c.prepareStatement(
        "SELECT user_id, account_id, email, audience, placement_version, target, client_ip,"
        " redeemed_at IS NOT NULL, expires_at <= UTC_TIMESTAMP(6), audience = ?,"
        " client_ip = ? AND user_agent_hash = UNHEX(?)"
        " FROM gangway_handoff WHERE token_hash = UNHEX(?)"));
    st->setString(1, std::string(audience));
    st->setString(2, std::string(client_ip));
    st->setString(3, user_agent_hex);
    st->setString(4, token_hex);
    rows r(st->executeQuery());
    if (!r->next()) return std::nullopt;
    handoff_row row;
    row.grant.user_id = r->getUInt64(1);
    row.grant.account_id = r->getUInt64(2);
    row.grant.email = r->getString(3);
    row.grant.audience = r->getString(4);
    row.grant.placement_version = r->getUInt64(5);
    row.grant.target = r->getString(6);
    row.grant.client_ip = r->getString(7);
    row.redeemed = r->getBoolean(8);
    row.expired = r->getBoolean(9);
    row.audience_matches = r->getBoolean(10);
    row.client_matches = r->getBoolean(11);
    return row;
}

redeem_outcome refusal_reason(const handoff_row& row) {
    if (row.redeemed) return redeem_outcome::replayed;
    if (row.expired) return redeem_outcome::expired;
    if (!row.audience_matches) return redeem_outcome::wrong_audience;
    if (!row.client_matches) return redeem_outcome::wrong_client;
    // Every condition holds now, yet the UPDATE matched nothing: no interleaving of other
    // redemptions produces that (a row only ever becomes redeemed or expired). Refuse.
    return redeem_outcome::unknown;
}

}  // namespace

std::string new_handoff_token() {
    unsigned char raw[token_bytes];
    if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("RAND_bytes failed");
    return base64url_encode(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
}

std::array<unsigned char, 32> token_hash(std::string_view token) { return sha256(token); }

std::string_view to_string(redeem_outcome o) noexcept {
    switch (o) {
        case redeem_outcome::redeemed:
            return "redeemed";
        case redeem_outcome::unknown:
            return "unknown";
        case redeem_outcome::expired:
            return "expired";
        case redeem_outcome::replayed:
            return "replayed";
        case redeem_outcome::wrong_audience:
            return "wrong_audience";
        case redeem_outcome::wrong_client:
            return "wrong_client";
    }
    return "unknown";
}

void store_handoff(sql::Connection& c, std::string_view token, const handoff_grant& grant,
                   std::chrono::seconds ttl) {
    // The message names the field, never its value: the token must not reach a log.
    if (!well_formed(token)) throw std::invalid_argument("handoff token: malformed");
    if (grant.audience.empty() || grant.audience.size() > max_handoff_audience_bytes)
        throw std::invalid_argument("handoff grant: audience out of range");
    if (grant.email.size() > max_handoff_email_bytes)
        throw std::invalid_argument("handoff grant: email out of range");
    if (grant.target.size() > max_handoff_target_bytes)
        throw std::invalid_argument("handoff grant: target out of range");
    if (grant.client_ip.size() > max_handoff_client_ip_bytes)
        throw std::invalid_argument("handoff grant: client_ip out of range");
    // The issue caps handoff tokens at 60 s; a zero or negative ttl would store a token that
    // is dead on arrival.
    const auto seconds = std::clamp<std::chrono::seconds::rep>(ttl.count(), 1, 60);
    statement st(c.prepareStatement(
        "INSERT INTO gangway_handoff (token_hash, audience, user_id, account_id, email,"
        " placement_version, target, client_ip, user_agent_hash, created_at, expires_at,"
        " redeemed_at) VALUES (UNHEX(?), ?, ?, ?, ?, ?, ?, ?, UNHEX(?), UTC_TIMESTAMP(6),"
        " UTC_TIMESTAMP(6) + INTERVAL ? SECOND, NULL)"));
    st->setString(1, hex(token_hash(token)));
    st->setString(2, grant.audience);
    st->setUInt64(3, grant.user_id);
    st->setUInt64(4, grant.account_id);
    st->setString(5, grant.email);
    st->setUInt64(6, grant.placement_version);
    st->setString(7, grant.target);
    st->setString(8, grant.client_ip);
    st->setString(9, hex(sha256(grant.user_agent)));
    st->setInt64(10, seconds);
    st->execute();
}

redeemed_handoff redeem_handoff(sql::Connection& c, std::string_view token,
                                std::string_view audience, std::string_view client_ip,
                                std::string_view user_agent) {
    if (!well_formed(token)) return {redeem_outcome::unknown, std::nullopt};
    const std::string token_hex = hex(token_hash(token));
    const std::string user_agent_hex = hex(sha256(user_agent));

    // The UPDATE alone decides: InnoDB re-checks its WHERE under the row lock, so of any number
    // of concurrent attempts exactly one sees an unredeemed row. The transaction only keeps
    // the row lock until the row has been read back, so a purge cannot delete it in between.
    transaction tx(c);
    statement redeem(c.prepareStatement(
        "UPDATE gangway_handoff SET redeemed_at = UTC_TIMESTAMP(6)"
        " WHERE token_hash = UNHEX(?) AND redeemed_at IS NULL AND expires_at > UTC_TIMESTAMP(6)"
        " AND audience = ? AND client_ip = ? AND user_agent_hash = UNHEX(?)"));
    redeem->setString(1, token_hex);
    redeem->setString(2, std::string(audience));
    redeem->setString(3, std::string(client_ip));
    redeem->setString(4, user_agent_hex);
    const bool won = redeem->executeUpdate() == 1;

    auto row = read_row(c, token_hex, audience, client_ip, user_agent_hex);
    tx.commit();
    if (!row) return {redeem_outcome::unknown, std::nullopt};
    if (!won) return {refusal_reason(*row), std::nullopt};
    row->grant.user_agent = std::string(user_agent);
    return {redeem_outcome::redeemed, std::move(row->grant)};
}

std::uint64_t purge_expired_handoffs(sql::Connection& c) {
    statement st(
        c.prepareStatement("DELETE FROM gangway_handoff WHERE expires_at <= UTC_TIMESTAMP(6)"));
    return static_cast<std::uint64_t>(st->executeUpdate());
}

}  // namespace gangway
