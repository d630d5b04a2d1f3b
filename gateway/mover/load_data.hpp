#pragma once

// Rows as `LOAD DATA LOCAL INFILE` reads them: the copy's fast way onto the destination (the
// server parses tab-separated values faster than INSERT statements). Pure.
//
// The file: one line per row, fields separated by a tab, every field escaped as the statement
// declares (ESCAPED BY '\\': backslash, tab, newline, carriage return and NUL escaped, NULL as
// \N), read as CHARACTER SET utf8mb4: the reader's connection charset, in which text arrived
// (each text column converts back to its own charset; binary columns take the bytes as they
// are). Generated columns are
// left out (the server computes them); BIT columns go through a variable and CAST, since their
// text is the unsigned value ("5"), not the bits.

#include <string>

#include "gateway/mover/table_layout.hpp"

namespace gangway::mover {

// False for tables that must be inserted with INSERT statements: those with spatial columns
// (their stored bytes are not a value LOAD DATA accepts), and, unless `interleaved` (the
// server's innodb_autoinc_lock_mode is 2), those with an AUTO_INCREMENT column: InnoDB holds
// a table lock for the whole of each LOAD DATA into them, so the writers would load one
// after the other, slower than their INSERTs side by side.
bool loadable(const table_layout& t, bool interleaved);

// One row, with its trailing newline.
void append_load_row(std::string& out, const table_layout& t, const table_row& row);

// LOAD DATA LOCAL INFILE '<path>' IGNORE INTO TABLE ...: with LOCAL the server skips a duplicate
// key (and turns bad values into warnings) rather than stopping; the caller checks
// SHOW WARNINGS.
std::string load_statement(const table_layout& t, const std::string& path);

}  // namespace gangway::mover
