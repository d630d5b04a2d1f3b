#pragma once
// The copy's way onto the destination: multi-row INSERTs prepared once per shape and executed
// with the rows bound as parameters (the binary protocol). The server then neither lexes nor
// unescapes the values, which made up about a third of its CPU for the text INSERTs (and
// LOAD DATA's field reader about a quarter): measured on 1M messages, 7.7 CPU-seconds against
// 11.7 for extended INSERTs and 10.1 for LOAD DATA. Unlike LOAD DATA, a multi-row INSERT with
// its keys given is a "simple insert" to InnoDB: no table-level AUTO-INC lock, so writers
// fill one table side by side.
//
// Every value is bound as the text the reader got (the server converts it as it would the
// same quoted literal), except integers and BIT (whose text is its unsigned value, "5"),
// bound as 64-bit numbers, and NULL. Generated columns are left out.

#include <cstddef>
#include <string>
#include <vector>

#include "gateway/mover/table_layout.hpp"

namespace sql {
class Connection;
}

namespace gangway::mover {

// Rows per statement: at most 1,000, fewer for wide tables (a statement takes at most 65,535
// parameters).
std::size_t bound_rows_per_statement(const table_layout& t);

// The end of the batch of `rows` that starts at `first`: at most `max_rows` rows and
// `max_bytes` of values (a longer row goes alone); `bytes` gets the batch's bytes of values.
std::size_t batch_end(const std::vector<table_row>& rows, std::size_t first, std::size_t max_rows,
                      std::size_t max_bytes, std::size_t& bytes);

// INSERT [IGNORE] INTO t (columns) VALUES (?, ...), ... for `rows` rows.
std::string bound_insert_sql(const table_layout& t, std::size_t rows, bool ignore);

// Inserts `rows` through prepared statements on `c`, in statements of
// bound_rows_per_statement rows and at most `max_bytes` of values (a longer row goes alone).
// Returns the bytes of values bound. Throws sql::SQLException as the server refuses.
std::uint64_t insert_bound(sql::Connection& c, const table_layout& t, const std::vector<table_row>& rows,
                           bool ignore, std::size_t max_bytes);

}  // namespace gangway::mover
