#pragma once

// What a live database says about its tables: columns, indexes, foreign keys. Read from
// information_schema by catalog_reader; everything that reasons about it (infer, check) is
// pure and takes it as a value, so tests can build one by hand.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/mover/schema_model.hpp"

namespace gangway::mover {

struct catalog_column {
    std::string name;
    std::string data_type;  // information_schema DATA_TYPE, lower case: "varchar", "bigint"
    bool nullable = false;
    // Computed by the server (VIRTUAL / STORED / PERSISTENT): read for lookups, never written.
    bool generated = false;
    std::string column_type{};   // information_schema COLUMN_TYPE: "bigint(20) unsigned"
    std::uint64_t max_length = 0;  // CHARACTER_MAXIMUM_LENGTH (characters or bytes); 0: none
    bool auto_increment = false;
    std::string charset{};  // CHARACTER_SET_NAME: "utf8mb4", "latin1"; empty for non-text
};

struct catalog_index {
    std::string name;  // "PRIMARY" for the primary key
    bool unique = false;
    std::vector<std::string> columns;  // in index order
};

struct catalog_table {
    std::string name;
    std::vector<catalog_column> columns;  // in table order
    std::vector<catalog_index> indexes;   // the primary key first, then by name

    const catalog_column* column(std::string_view wanted) const;
    const catalog_index* primary_key() const;
};

// child.columns reference parent.columns, pair by pair.
struct catalog_foreign_key {
    std::string name;
    table_columns child;
    table_columns parent;
};

struct database_catalog {
    std::string schema;                                        // the database name
    std::map<std::string, catalog_table, std::less<>> tables;  // base tables only
    std::vector<catalog_foreign_key> foreign_keys;             // by child table, then name

    const catalog_table* find(std::string_view table) const;
};

// True when the index can find the rows `lookup IN (...) [AND fixed = constant]` without a
// scan: its leftmost columns, up to the first one that is in neither list, include every
// lookup column. (A leftmost prefix, in any order: equality on each makes order moot.)
bool index_serves(const catalog_index& index, const std::vector<std::string>& lookup,
                  const std::vector<std::string>& fixed = {});

// An index of the table that serves the lookup, or null.
const catalog_index* serving_index(const catalog_table& table,
                                   const std::vector<std::string>& lookup,
                                   const std::vector<std::string>& fixed = {});

// A unique index whose columns are exactly these, in any order (the primary key counts).
bool is_unique_key(const catalog_table& table, const std::vector<std::string>& columns);

bool is_text_type(std::string_view data_type) noexcept;
bool is_integer_type(std::string_view data_type) noexcept;

}  // namespace gangway::mover
