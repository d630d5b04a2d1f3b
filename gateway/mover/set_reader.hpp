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

// The values a page of streamed rows holds, about: one transaction of a few INSERTs each, so
// that the per-statement work is small next to the rows'. batch_rows bounds the walker's
// pages, whose every page is a query of its own; a stream's pages cost no query.
inline constexpr std::size_t set_page_bytes = 4 * 1024 * 1024;

// Called with each page of a table's rows: about set_page_bytes of values (a row longer than
// that makes a page of its own).
using page_sink = std::function<void(std::vector<table_row>&)>;

// Every row of the table's set (or of one part of it), `t`'s columns each, in key order.
void stream_rows(sql::Connection& c, const set_selection& s, const table_layout& t,
                 const page_sink& sink, const key_part& part = {});

// What verify compares: the rows of a table's set and the exact sums of two checksums of each
// row (CRC-32 and CRC-32C over every column's exact text, each delimited), computed by the
// server; a server without CRC32C sums 60 bits of each row's MD5 instead (row_digest).
struct table_sum {
    std::uint64_t rows = 0;
    std::string digest_sum;  // "<CRC-32 sum>:<CRC-32C sum>" (row_sums::text), or the MD5 sum
    bool crc = true;         // the CRC sums, which the mover can compute itself (row_checksum)
    bool operator==(const table_sum&) const = default;

    // Adds the sums of another part of the same table, read the same way.
    table_sum& operator+=(const table_sum& part);
};

// keys_only: the digest covers the key columns alone (shared tables, whose rows the copy
// never overwrites). `part`: of the rows of that part of the set alone.
table_sum sum_rows(sql::Connection& c, const set_selection& s, const table_layout& t, bool keys_only,
                   const key_part& part = {});

// The number of rows in the table's set and, for a key whose first column is an integer, the
// key_span of that column (none when the set is empty), as span_of gives it.
struct table_count {
    std::uint64_t rows = 0;
    std::optional<key_span> span;
};
table_count count_rows(sql::Connection& c, const set_selection& s, const table_layout& t);

}  // namespace gangway::mover
