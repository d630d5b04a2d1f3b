#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sql {
class Connection;
}

// Single-use login handoff tokens (issue 4, docs/database.md). When a user's account lives on
// another site, that site's gateway stores a grant under a fresh token and the browser carries
// the token to `https://<that site>/_gangway/handoff?token=…`, where the gateway redeems it
// once. Only SHA-256 of the token reaches the database; the token itself is never stored and
// must never be logged. Like placement_store, the functions take a connection so they run
// blocking or through db_pool::run, and use prepared statements.
namespace gangway {

// What a redeemed token logs the user in as, and where it lands them.
struct handoff_grant {
    std::uint64_t user_id = 0;
    std::uint64_t account_id = 0;
    std::string email;
    std::string audience;  // the site that may redeem the token
    std::uint64_t placement_version = 0;
    std::string target;      // where to land; validated before store_handoff
    std::string client_ip;   // the browser's address as the redeeming gateway will see it
    std::string user_agent;  // only its SHA-256 is stored
};

// Field limits, the column sizes of gangway_handoff (in bytes, which is at most the column's
// size in characters).
inline constexpr std::size_t max_handoff_audience_bytes = 64;
inline constexpr std::size_t max_handoff_email_bytes = 254;
inline constexpr std::size_t max_handoff_target_bytes = 2048;
inline constexpr std::size_t max_handoff_client_ip_bytes = 45;

// base64url (no padding) of 32 bytes from RAND_bytes: 43 characters, 256 bits.
std::string new_handoff_token();
inline constexpr std::size_t handoff_token_chars = 43;

// SHA-256 of the token text: the table's key.
std::array<unsigned char, 32> token_hash(std::string_view token);

// Stores the grant under the token's hash, valid for ttl clamped to 1..60 s (database clock).
// Throws std::invalid_argument for a malformed token or a field longer than its column, and
// lets sql::SQLException through (a repeated token is a duplicate key: db_error::conflict).
void store_handoff(sql::Connection& c, std::string_view token, const handoff_grant& grant,
                   std::chrono::seconds ttl);

enum class redeem_outcome { redeemed, unknown, expired, replayed, wrong_audience, wrong_client };
// The metric / log reason: "redeemed", "unknown", "expired", "replayed", "wrong_audience",
// "wrong_client".
std::string_view to_string(redeem_outcome o) noexcept;

struct redeemed_handoff {
    redeem_outcome outcome = redeem_outcome::unknown;
    // Set only when outcome is redeemed. Its user_agent is the one presented (the row holds
    // only its hash, which matched).
    std::optional<handoff_grant> grant;
};

// Redeems the token for the site `audience`, presented by `client_ip` with `user_agent`.
// Exactly one call ever gets `redeemed` for a token: the decision is one UPDATE that matches
// only an unredeemed, unexpired row of this audience, IP and User-Agent. Any other answer
// leaves the row as it was (a refused attempt from the wrong client does not burn the token);
// the reason is read afterwards, checked in the order replayed, expired, wrong_audience,
// wrong_client. A malformed token (not 43 base64url characters encoding 32 bytes) is
// `unknown` without a query. Lets sql::SQLException through. Safe under db_pool's retry: a
// retried redemption whose first attempt committed reports `replayed`, never a second grant.
// The caller still checks the grant's placement_version against the account's placement.
redeemed_handoff redeem_handoff(sql::Connection& c, std::string_view token,
                                std::string_view audience, std::string_view client_ip,
                                std::string_view user_agent);

// Deletes rows whose expiry has passed, redeemed or not; returns how many.
std::uint64_t purge_expired_handoffs(sql::Connection& c);

}  // namespace gangway
