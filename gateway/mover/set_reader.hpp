#pragma once

// Runs a set_selection's queries on one connection (blocking): whether the sets are closed
// under the plan's cycle edges, a table's rows streamed page by page, and a table's row
// count and checksum computed by the server. Every statement here runs without the session's
// statement time limit (max_statement_time = 0): one table of a big account takes longer
// than a gateway's query, and the connection's network read timeout still ends a silent one.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "gateway/mover/set_selection.hpp"
#include "gateway/mover/table_layout.hpp"

namespace sql {
class Connection;
}

namespace gangway::mover {

// Sets the session up as every reader of the mover needs it: time zone +00:00 (TIMESTAMPs as
// stored), load_sql_mode (the literals set_selection writes).
void prepare_reader_session(sql::Connection& c);

// nullopt when every closing check finds nothing: the selection's sets are exactly the
// walker's. Otherwise the edge that reaches further ("messages.parent_id -> messages.id"),
// and the caller walks. An edge into the root table that reaches another account's row
// throws walk_error, as the walker does.
std::optional<std::string> open_edge(sql::Connection& c, const set_selection& s,
                                     const std::string& root_table);

// Called with each page of a table's rows: at most t.batch_rows rows and about
// max_statement_bytes of values.
using page_sink = std::function<void(std::vector<table_row>&)>;

// Every row of the table's set, `t`'s columns each, in the server's order.
void stream_rows(sql::Connection& c, const set_selection& s, const table_layout& t,
                 const page_sink& sink);

// What verify compares: the rows of a table's set and the sum of their digests (row_digest:
// the first 60 bits of each row's MD5, summed exactly), computed by the server.
struct table_sum {
    std::uint64_t rows = 0;
    std::string digest_sum;  // decimal; "0" for no rows
    bool operator==(const table_sum&) const = default;
};

// keys_only: the digest covers the key columns alone (shared tables, whose rows the copy
// never overwrites).
table_sum sum_rows(sql::Connection& c, const set_selection& s, const table_layout& t, bool keys_only);

// The number of rows in the table's set.
std::uint64_t count_rows(sql::Connection& c, const set_selection& s, const std::string& table);

}  // namespace gangway::mover
