#pragma once

// How the mover reads and writes each table's rows so that every value survives exactly: the
// columns in table order, each with the kind of value it holds (which decides the SELECT
// expression that reads it and the SQL literal that writes it), and the table's key.
//
// Every value travels as text or bytes (a row_field), never as a C++ number:
//  - integer, decimal, bit: the server's own decimal text (exact);
//  - floating: the server's shortest round-trip text of the double (a FLOAT is widened to
//    DOUBLE first, which is exact; MariaDB prints FLOAT itself with 6 digits);
//  - temporal: the server's text, fractional seconds included; TIMESTAMPs in the session's
//    time zone, which the reader and every dump file set to +00:00;
//  - text (also ENUM, SET, JSON, and types the mover does not know): the characters, utf8mb4;
//  - bytes (BINARY, VARBINARY, BLOBs, spatial types): the bytes as stored.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/mover/catalog.hpp"
#include "gateway/mover/schema_model.hpp"
#include "gateway/mover/traversal_plan.hpp"

namespace gangway::mover {

enum class value_kind { integer, decimal, floating, bit, temporal, text, bytes };

// The kind of an information_schema DATA_TYPE ("bigint", "datetime", "json").
value_kind kind_of(std::string_view data_type) noexcept;

struct layout_column {
    std::string name;
    value_kind kind = value_kind::text;
    bool generated = false;  // read (relationships may use it), never written
    std::string data_type;
    std::string column_type;  // "int(10) unsigned", "varchar(254)"
    std::uint64_t max_length = 0;
    bool auto_increment = false;
    std::string charset{};  // of a text column ("utf8mb4"); empty when unknown or not text
    // When set, the column is not the table's: it is read with this SQL expression (the
    // mover's row digest, row_digest.hpp) and never written.
    std::string expression{};
};

struct table_layout {
    std::string name;
    std::vector<layout_column> columns;  // in table order
    std::vector<std::size_t> key;        // indexes into columns: the key cache's key
    bool key_is_primary = false;         // the key is the table's PRIMARY KEY
    bool shared = false;
    bool key_cache = true;
    bool insert_ignore = false;  // shared, or duplicates = "ignore"
    std::size_t batch_rows = default_batch_rows;

    // The index of a column, or nullopt.
    std::optional<std::size_t> find(std::string_view column) const;
};

// One value: nullopt is SQL NULL.
using row_field = std::optional<std::string>;
using table_row = std::vector<row_field>;  // one field per layout column

// The columns the plan's edges read or look up in `table` (each may repeat).
std::vector<std::string> columns_used(const traversal_plan& plan, const std::string& table);

// The SELECT expression that reads a column as its exact text or bytes.
std::string select_expression(const layout_column& column);

// `name` with backticks, for identifiers the catalog gave us.
std::string quote_identifier(std::string_view name);

struct layouts_result {
    std::map<std::string, table_layout, std::less<>> tables;  // every table the plan visits
    std::vector<std::string> errors;  // a table or column the database lacks, a missing key
};

// The layout of every table the plan visits. Errors name the table and what to do.
layouts_result build_layouts(const schema_model& model, const traversal_plan& plan,
                             const database_catalog& catalog);

}  // namespace gangway::mover
