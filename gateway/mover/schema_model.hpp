#pragma once

// The schema model: how to find one account's rows (docs/mover.md has the TOML format).
//
// The mover's vocabulary (table, relationship, catalog) lives in gangway::mover so it cannot
// collide with the gateway's (gangway::schema_version is gangway's own table version).

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/config/config_loader.hpp"  // config_error: one problem with its key path

namespace gangway::mover {

// A literal a column is compared with: polymorphic type values, cleansing constants.
using column_literal = std::variant<std::int64_t, std::string>;

// A column pinned to one value: a relationship chosen by a row's value (owner_type =
// 'message'), as MySQLPartialDump's relationship callbacks were.
struct column_value {
    std::string column;
    column_literal value;
    bool operator==(const column_value&) const = default;
};

// One side of a join: a table and its columns, paired by position with the other side's.
struct table_columns {
    std::string table;
    std::vector<std::string> columns;
    bool operator==(const table_columns&) const = default;
};

// The join table of a many-to-many relationship: from_columns pair with the relationship's
// `from` columns, to_columns with its `to` columns. Its rows belong to the account too.
struct join_table {
    std::string table;
    std::vector<std::string> from_columns;
    std::vector<std::string> to_columns;
    bool operator==(const join_table&) const = default;
};

// "For every copied row of `from` (matching from_match), the rows of `to` whose to.columns
// equal its from.columns (and that match to_match) are the account's too", optionally through
// a join table, optionally also the other way round.
struct relationship {
    table_columns from;
    table_columns to;
    std::vector<column_value> from_match;
    std::vector<column_value> to_match;
    std::optional<join_table> through;
    bool both_ways = false;
    std::optional<std::size_t> lookup_batch;  // key values per lookup; unset: the model default
    std::string key_path;  // where it was declared ("relationships[3]"); messages quote it
    std::string note;      // written as a comment above it (infer: the foreign key it came from)
    bool operator==(const relationship&) const = default;
};

// Cleansing for rehearsals and dumps. Every keyed rule is a function of (cleansing key, value)
// only, never of the table or row, so equal values stay equal and cleansed keys still join.
enum class cleanse_kind {
    email,       // u<keyed hash>@example.invalid
    keyed_hash,  // hex of the keyed hash, cut to fit the column
    fake_name,   // a made-up "First Last" chosen by the keyed hash
    null,        // NULL
    constant,    // a fixed value
};

std::string_view cleanse_kind_name(cleanse_kind k) noexcept;

struct cleanse_rule {
    std::string column;
    cleanse_kind kind = cleanse_kind::null;
    column_literal constant;  // cleanse_kind::constant only
    bool operator==(const cleanse_rule&) const = default;
};

// What to do when a row's key is already on the destination (the seed's ALLOW_DUPLICATES).
enum class duplicate_policy { fail, ignore };

// Per-table rules; a table only relationships mention gets these defaults.
struct table_rules {
    std::string name;
    std::vector<std::string> key;  // identifies a row for the key cache; empty: primary key
    // Reference data no account owns (countries, plans): copied if missing, never overwritten,
    // never followed to tables that are not shared.
    bool shared = false;
    // Remember the key of every copied row: a row is never copied twice, and cycles end. Off
    // only for huge tables reached exactly once, to save the memory.
    bool key_cache = true;
    duplicate_policy duplicates = duplicate_policy::fail;
    std::optional<std::size_t> batch_rows;  // unset: the model default
    std::vector<cleanse_rule> cleanse;      // sorted by column
    std::string key_path;                   // "tables.users"; empty when only relationships name it
    std::string note;                       // written as a comment above it
    bool operator==(const table_rules&) const = default;
};

struct excluded_table {
    std::string name;
    std::string reason;
    bool operator==(const excluded_table&) const = default;
};

// Where the cleansing key comes from: a file or an environment variable, read by whoever
// cleanses (dump --cleanse, migrate --rehearsal), never by the loader, so checking a model
// needs no secret. At most one is set.
struct cleansing_key_source {
    std::string file;  // absolute once loaded
    std::string env;
    bool operator==(const cleansing_key_source&) const = default;
};

inline constexpr std::size_t default_batch_rows = 1000;
inline constexpr std::size_t default_lookup_batch = 500;

struct schema_model {
    std::string source_path;  // the file it was loaded from; empty for text or inferred models
    std::string root_table;   // the account's own row lives here
    std::string root_key;     // the column the ACCOUNT id on the command line matches
    std::size_t batch_rows = default_batch_rows;      // rows per page read and per insert
    std::size_t lookup_batch = default_lookup_batch;  // key values per IN (...) lookup
    unsigned dump_chunks = 1;  // files a dump is split into (imported in parallel)
    cleansing_key_source cleansing_key;
    std::vector<std::string> end_sql;  // run on the destination last; each ? is the account id
    std::map<std::string, table_rules, std::less<>> tables;  // declared in [tables]
    std::vector<relationship> relationships;
    std::vector<excluded_table> excluded;  // sorted by name

    // The rules of a table: its [tables] entry, or defaults named after it.
    table_rules rules_for(std::string_view table) const;
    const excluded_table* find_excluded(std::string_view table) const;
    std::size_t batch_rows_for(std::string_view table) const;

    bool operator==(const schema_model&) const = default;
};

using schema_ptr = std::shared_ptr<const schema_model>;

struct schema_result {
    schema_ptr value;                  // null when errors is not empty
    std::vector<config_error> errors;  // every problem, in document order, with its key path
};

// Parses a schema model and checks it on its own (shape, names, references between its
// parts); what needs the database or the whole graph is schema check's job. Never throws.
// source_path names the file in messages and anchors a relative cleansing.key_file.
schema_result parse_schema_model(std::string_view toml_text, const std::string& source_path);

// Reads the file (at most 1 MiB) and parses it. A missing or unreadable file is one error.
schema_result load_schema_model(const std::string& path);

// Gangway's own tables (gangway_*) live in the same database and are never part of a model:
// the mover writes placement itself.
bool is_gangway_table(std::string_view table) noexcept;

}  // namespace gangway::mover
