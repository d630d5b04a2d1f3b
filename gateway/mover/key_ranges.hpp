#pragma once
// How the copy reads a big table: in parts by its primary key, each part in the key's order
// straight from the clustered index, instead of one stream the server must sort.
//
// Sorting a million messages by key cost the source about as much CPU as reading them
// (3.1 against 1.5 CPU-seconds); a read of a primary-key range comes out sorted. Such a read
// also passes the keys of other accounts inside the range, so it is used only where the
// account's keys fill at least half of their span. Parts over equal widths of the span then
// hold at most half the rows each, and several readers and writers work on one table side by
// side, each into its own region of the destination's index.
//
// The span comes from before the parts are read (pre-flight's keys, the rehearsal's count):
// rows written since may lie outside it, so the parts always end with one that reads the
// rows outside the span, in whatever way the server chooses (normally none are there).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gateway/mover/table_layout.hpp"

namespace gangway::mover {

// The account's keys of a table with a one-column integer key: least, greatest (as the
// server prints them) and how many.
struct key_span {
    std::string low;
    std::string high;
    std::uint64_t rows = 0;
};

// One read of a table's set of rows.
struct key_part {
    enum class kind {
        all,      // every row, ordered by the key
        between,  // keys in [low, high], by the primary key's index, in its order
        outside,  // keys outside [low, high], ordered by the key
        range,    // every row of the table with keys in [low, high], the set's or not (verify)
    };
    kind what = kind::all;
    std::string low;
    std::string high;

    // "" for all, "keys 1..250000", "keys outside 1..1000000", "every key 1..250000".
    std::string text() const;
};

// At least this many rows in each part of a split table.
inline constexpr std::uint64_t min_part_rows = 100'000;

// The span of the `column`th values of `keys` (the key's first column by default), or nullopt
// when one is not an integer.
std::optional<key_span> span_of(const std::vector<std::vector<std::string>>& keys, std::size_t column = 0);

// The reads for `t`: {all} unless its key is its one-column integer primary key and `span`
// is dense (rows >= half its width); then up to `readers` between-parts (one per `min_rows`
// rows) over equal widths of the span, in key order, and the outside part.
std::vector<key_part> key_parts(const table_layout& t, const std::optional<key_span>& span, unsigned readers,
                                std::uint64_t min_rows = min_part_rows);

}  // namespace gangway::mover
