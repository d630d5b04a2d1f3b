#pragma once

// The mover's per-row digest: MD5, computed by the database server itself, over the exact text
// or bytes of every column of a row (each length-prefixed, NULL distinct from every value), so
// the same row on two servers has the same digest and any difference in any column shows.
// `gangway migrate` reads it with the rows it copies (source side) and walks the destination
// for it after the copy (verify); pre-flight and --abort walk with digests and keys only.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/mover/table_layout.hpp"
#include "gateway/mover/traversal_plan.hpp"

namespace gangway::mover {

inline constexpr std::string_view digest_column_name = "__gangway_row_digest";

using layout_map = std::map<std::string, table_layout, std::less<>>;

// `t` with the digest column last: read, never written.
table_layout with_digest(table_layout t);

// Every layout with the digest column; `lean`: only the columns a walk needs (the key, those
// the plan's edges use, the root key, `extra` columns of a table that has them) plus the digest.
layout_map digest_layouts(const layout_map& full, const schema_model& model,
                          const traversal_plan& plan, bool lean,
                          const std::map<std::string, std::vector<std::string>>& extra = {});

// Only the columns a walk needs (as digest_layouts' lean ones), without the digest: a walk that
// wants keys, not values (pre-flight, counting rows), so the server can answer from the
// relationships' indexes alone, never reading or hashing whole rows.
layout_map walk_layouts(const layout_map& full, const schema_model& model,
                        const traversal_plan& plan,
                        const std::map<std::string, std::vector<std::string>>& extra = {});

// The digest column's index in a layout made by with_digest or digest_layouts.
std::size_t digest_index(const table_layout& t);

// One table's rows of an account as a walk found them: key (encoded) -> digest.
struct table_digests {
    std::map<std::string, std::string> by_key;  // encode_values(key) -> 32 hex digits
    std::vector<std::vector<std::string>> keys;  // the key values, in walk order
};

using account_digests = std::map<std::string, table_digests, std::less<>>;

// Adds a page of rows to `into`; rows read with a walk_layouts layout (no digest column) get
// an empty digest: their keys only.
void collect_digests(const table_layout& t, const std::vector<table_row>& rows,
                     table_digests& into);

// One value for a whole table (32 hex digits): a keyed hash over its rows' digests in key
// order, the same on both sides when the rows are.
std::string table_checksum(const table_digests& digests);

// What differs between the source's and the destination's rows of one table.
struct table_difference {
    std::string table;
    std::uint64_t source_rows = 0;
    std::uint64_t destination_rows = 0;
    std::uint64_t missing = 0;     // on the source, not on the destination
    std::uint64_t extra = 0;       // on the destination, not on the source
    std::uint64_t different = 0;   // on both, with other values
    std::string example;           // one key that differs, for the message
};

// Every table whose rows differ (empty: the copy is exact). Tables absent from one side
// count as empty there. Rows of shared tables (copied only when missing, never overwritten)
// are compared by key alone.
std::vector<table_difference> compare_digests(const layout_map& layouts,
                                              const account_digests& source,
                                              const account_digests& destination);

}  // namespace gangway::mover
