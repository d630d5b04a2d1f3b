#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/config/config.hpp"

namespace sql {
class Connection;
}

namespace gangway {

// One row of the site's users table, as far as a login needs it.
struct user_record {
    std::uint64_t user_id = 0;
    std::uint64_t account_id = 0;
    std::string email;        // as stored (the session carries this one, not what was typed)
    std::string stored_hash;  // never logged
    bool active = true;       // login.active_column, or true when none is configured
};

enum class user_lookup { found, not_found, ambiguous };

struct user_lookup_result {
    user_lookup what = user_lookup::not_found;
    user_record user;  // meaningful when found
};

// Reads the upstream app's users table (names from [login]; validated SQL identifiers, so
// they are quoted, never interpolated from requests). The email is compared by the database,
// with the column's collation: "Ada@Example.com" finds "ada@example.com" exactly when the
// app's own login would. Two rows for one email (a case-insensitive collation over data
// written case-sensitively) are `ambiguous`: nobody logs in as either.
class user_directory {
public:
    explicit user_directory(const login_config& cfg);

    // Lets sql::SQLException through (db_pool::run reports it).
    user_lookup_result find(sql::Connection& c, std::string_view email) const;

private:
    std::string query_;
    bool has_active_;
};

// What a typed email is looked up as: surrounding ASCII whitespace removed (browsers and
// password managers add it); the database's collation does the rest.
std::string_view trimmed_email(std::string_view typed);

}  // namespace gangway
