#pragma once

// SQL text for the rows the walker found, as the stock `mariadb` client and server read it
// back exactly: with SET NAMES utf8mb4, time_zone '+00:00' and an sql_mode without
// NO_BACKSLASH_ESCAPES (dump files set all three). Pure.

#include <string>
#include <string_view>
#include <vector>

#include "gateway/mover/schema_model.hpp"
#include "gateway/mover/table_layout.hpp"

namespace gangway::mover {

// The sql_mode rows are loaded under (dump files, migrate): explicit zero ids are kept, and a
// value that does not fit is refused rather than mangled.
inline constexpr std::string_view load_sql_mode =
    "NO_AUTO_VALUE_ON_ZERO,STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION";

// 'text' with \\, \', NUL, \n, \r and \Z (0x1a) escaped: what the mariadb client's own
// mysql_real_escape_string does, so a dump survives any byte sequence and a line-based reader.
void append_string_literal(std::string& out, std::string_view text);

// 0x0001FF (X'' when empty): bytes of BINARY, VARBINARY, BLOB and spatial columns.
void append_hex_literal(std::string& out, std::string_view bytes);

// NULL, or the value as a literal of its column's kind:
//  - integer, decimal, bit: the digits unquoted (the server's exact text; BIT as its unsigned
//    value); anything else (a cleansing constant) as a string literal;
//  - floating: the shortest round-trip digits with an exponent ("0.1e0"), so the server
//    parses a DOUBLE (not a DECIMAL) and stores the very same bits;
//  - temporal, text (ENUM, SET, JSON): a string literal;
//  - bytes: a hex literal.
void append_literal(std::string& out, const layout_column& column, const row_field& value);

// "INSERT INTO `t` (`a`, `b`) VALUES " (INSERT IGNORE for shared and duplicates = "ignore"
// tables, and when `ignore`); generated columns are left out: the server computes them.
std::string insert_head(const table_layout& table, bool ignore = false);

// "(1, 'x')": one row's values, generated columns left out.
void append_row_values(std::string& out, const table_layout& table, const table_row& row);

// Each `?` outside quotes and comments replaced by `value` (already a literal).
std::string bind_placeholders(std::string_view sql, std::string_view value);

// The model's end_sql once per account, each ? bound to the account id as a literal of the
// root key's column, without a trailing ';'.
std::vector<std::string> bound_end_sql(const schema_model& m, const layout_column& key,
                                       const std::vector<std::string>& accounts);

}  // namespace gangway::mover
