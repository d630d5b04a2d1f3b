#pragma once

// The destination-side checks and clean-up of `gangway migrate` (account_move.hpp): the keys and
// user emails pre-flight must not find there, and --abort's removal of exactly the rows the
// move copied. Blocking; run on a destination connection.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gateway/mover/account_move.hpp"
#include "gateway/mover/catalog.hpp"
#include "gateway/mover/key_ranges.hpp"
#include "gateway/mover/row_digest.hpp"
#include "gateway/mover/row_walker.hpp"

namespace sql {
class Connection;
}

namespace gangway::mover {

using email_set = std::vector<std::string>;

// How the destination's tables differ from the source's layouts, one line each: a table or
// column missing on either side, a column of another type, generated on one side only.
// Empty: every row copies as it is.
std::vector<std::string> layout_mismatches(const layout_map& source,
                                           const database_catalog& destination);

// {users_table: {email_column}} when the plan visits users_table and it has that column, so a
// lean walk reads the emails too; {} otherwise.
std::map<std::string, std::vector<std::string>> email_columns(const move_context& ctx);

// A sink that adds the emails of users_table's rows to `out`.
row_sink collect_emails(const move_context& ctx, email_set& out);

// What the destination already holds of the account: keys of its rows (tables that are
// neither shared nor duplicates = "ignore") and its users' emails, each as one line
// ("messages (42): already there"); at most 5 examples per table, then a count. Keys and
// emails of `stale` (the account's old copy there, to be replaced) do not count.
std::vector<std::string> collisions(sql::Connection& destination, const move_context& ctx,
                                    const layout_map& lean, const account_digests& found,
                                    const email_set& emails, const account_digests& stale,
                                    const email_set& stale_emails);

// True when the destination holds a row of `t` whose key's first column is in `span`.
bool holds_key_between(sql::Connection& destination, const table_layout& t, const key_span& span);

// True when the root table holds the account's row.
bool has_root_row(sql::Connection& c, const schema_model& model, const layout_map& lean,
                  const std::string& account);

struct removal {
    std::uint64_t removed = 0;
    std::uint64_t kept = 0;  // under one of the keys, with other values
};

// Deletes from the destination each row with a key of `rows`, in tables that are not shared
// (shared rows may serve other accounts). only_matching: only rows whose digest equals the
// one in `rows` (`lean` must then have the digest column); a row someone else wrote or changed
// under the same key stays, counted as kept.
std::map<std::string, removal> delete_rows(sql::Connection& destination, const layout_map& lean,
                                           const account_digests& rows, bool only_matching);

}  // namespace gangway::mover
