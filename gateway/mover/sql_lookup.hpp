#pragma once

// Prepared lookups by column values, shared by the row walker and the mover's checks:
// `a IN (?, ?)` for one column, `(a = ? AND b = ?) OR (...)` for several, with each value
// bound by its column's kind.

#include <string>
#include <vector>

#include "gateway/mover/table_layout.hpp"

namespace sql {
class PreparedStatement;
class ResultSet;
}

namespace gangway::mover {

// The condition for `values` tuples of the table's `columns` (indexes into t.columns).
std::string tuple_condition(const table_layout& t, const std::vector<std::size_t>& columns,
                            std::size_t values);

// Binds parameter ++at. Integers are bound as integers: an integer column compared with a
// string parameter is compared as a double, which is inexact above 2^53.
void bind_value(sql::PreparedStatement& st, int& at, const layout_column& column,
                const std::string& value);

// Binds every tuple, column by column, from parameter at + 1.
void bind_tuples(sql::PreparedStatement& st, int& at, const table_layout& t,
                 const std::vector<std::size_t>& columns,
                 const std::vector<std::vector<std::string>>& tuples);

// Every row of the result, `columns` fields each, as exact text or bytes (NULL: nullopt).
std::vector<table_row> read_rows(sql::ResultSet& rs, std::size_t columns);

// The key columns' values of a row (the key never holds NULL once the walker read it).
std::vector<std::string> key_of(const table_layout& t, const table_row& row);

// Length-prefixed, so ("a:b", "c") and ("a", "b:c") differ; NULL as "N;".
std::string encode_fields(const table_row& row, const std::vector<std::size_t>& columns);
std::string encode_values(const std::vector<std::string>& values);

}  // namespace gangway::mover
