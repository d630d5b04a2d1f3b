#pragma once

// The checksums verify compares (set_reader.hpp, sum_rows), computed by the mover itself from
// the rows it read: per row, CRC-32 and CRC-32C of the row's delimited text, summed over the
// table. The same numbers the server's SQL gives for the same rows, so the copy gets the
// source's sums on the way and only the destination has to compute its own.
//
// A row's text: each column's exact text (as the reader gets it: utf8mb4 for text, the bytes
// for bytes), separated by 0x1f, as MariaDB's CONCAT_WS joins them; a text or bytes column
// preceded by its length in bytes, and NULL written as 'N' (CONCAT_WS skips the NULL itself).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/mover/table_layout.hpp"

namespace gangway::mover {

std::uint32_t crc32(std::string_view bytes) noexcept;   // IEEE 802.3, as zlib and SQL CRC32()
std::uint32_t crc32c(std::string_view bytes) noexcept;  // Castagnoli, as SQL CRC32C()

struct row_sums {
    std::uint64_t rows = 0;
    std::uint64_t crc32 = 0;   // sums of 32-bit values: 2^32 rows cannot overflow them
    std::uint64_t crc32c = 0;

    void add(const table_layout& t, const table_row& row, std::string& scratch);
    // The sums of two sets of rows together (the parts of one table).
    row_sums& operator+=(const row_sums& other) noexcept {
        rows += other.rows;
        crc32 += other.crc32;
        crc32c += other.crc32c;
        return *this;
    }
    // "<crc32 sum>:<crc32c sum>", as sum_rows' digest_sum.
    std::string text() const;
};

// The SQL expression of a row's text over `t`'s columns (unqualified), for CRC32()/CRC32C().
std::string row_text_expression(const table_layout& t);

}  // namespace gangway::mover
