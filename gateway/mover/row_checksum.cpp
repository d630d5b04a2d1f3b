#include "gateway/mover/row_checksum.hpp"

#include <array>
#include <cstring>

namespace gangway::mover {
namespace {

// Slicing by 8: eight tables, eight bytes a step.
struct crc_tables {
    std::array<std::array<std::uint32_t, 256>, 8> t{};
    explicit crc_tables(std::uint32_t polynomial) {
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ polynomial : c >> 1;
            t[0][i] = c;
        }
        for (std::size_t i = 0; i < 256; ++i) {
            for (std::size_t s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
        }
    }
    std::uint32_t run(std::string_view bytes) const noexcept {
        std::uint32_t c = 0xffffffffu;
        const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
        std::size_t n = bytes.size();
        for (; n >= 8; n -= 8, p += 8) {
            std::uint32_t lo = 0;
            std::uint32_t hi = 0;
            std::memcpy(&lo, p, 4);  // little-endian hosts (x86-64, aarch64)
            std::memcpy(&hi, p + 4, 4);
            lo ^= c;
            c = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^
                t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^ t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
        }
        for (; n; --n, ++p) c = (c >> 8) ^ t[0][(c ^ *p) & 0xff];
        return c ^ 0xffffffffu;
    }
};

const crc_tables& ieee() {
    static const crc_tables tables(0xedb88320u);
    return tables;
}

const crc_tables& castagnoli() {
    static const crc_tables tables(0x82f63b78u);
    return tables;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) std::uint32_t crc32c_sse42(std::string_view bytes) noexcept {
    std::uint64_t c = 0xffffffffu;
    const char* p = bytes.data();
    std::size_t n = bytes.size();
    for (; n >= 8; n -= 8, p += 8) {
        std::uint64_t v = 0;
        std::memcpy(&v, p, 8);
        c = __builtin_ia32_crc32di(c, v);
    }
    auto c32 = static_cast<std::uint32_t>(c);
    for (; n; --n, ++p) c32 = __builtin_ia32_crc32qi(c32, static_cast<unsigned char>(*p));
    return c32 ^ 0xffffffffu;
}
#endif

}  // namespace

std::uint32_t crc32(std::string_view bytes) noexcept { return ieee().run(bytes); }

std::uint32_t crc32c(std::string_view bytes) noexcept {
#if defined(__x86_64__)
    static const bool hardware = __builtin_cpu_supports("sse4.2");
    if (hardware) return crc32c_sse42(bytes);
#endif
    return castagnoli().run(bytes);
}

void row_sums::add(const table_layout& t, const table_row& row, std::string& scratch) {
    scratch.clear();
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
        if (i) scratch += '\x1f';
        const row_field& v = row[i];
        const value_kind kind = t.columns[i].kind;
        if (kind == value_kind::text || kind == value_kind::bytes) {
            if (!v) {
                scratch += 'N';
                continue;
            }
            scratch.append(std::to_string(v->size())).append(1, '\x1f').append(*v);
            continue;
        }
        if (v) {
            scratch += *v;
        } else {
            scratch += 'N';
        }
    }
    ++rows;
    crc32 += mover::crc32(scratch);
    crc32c += mover::crc32c(scratch);
}

std::string row_sums::text() const { return std::to_string(crc32) + ":" + std::to_string(crc32c); }

std::string row_text_expression(const table_layout& t) {
    // CONCAT_WS with the binary separator makes a binary string of the values' own bytes (text
    // and numbers alike, no character checks); LENGTH counts bytes. No CAST per value: those
    // cost the server about three times the rest.
    std::string parts;
    for (const auto& c : t.columns) {
        if (!parts.empty()) parts += ", ";
        if (c.kind == value_kind::text && c.charset != "utf8mb4") {
            // The characters as the reader gets them: utf8mb4, whatever the column's charset.
            const std::string v = "CONVERT(" + select_expression(c) + " USING utf8mb4)";
            parts += "IFNULL(LENGTH(" + v + "), 'N'), " + v;
        } else if (c.kind == value_kind::text || c.kind == value_kind::bytes) {
            const std::string v = select_expression(c);
            parts += "IFNULL(LENGTH(" + v + "), 'N'), " + v;
        } else {
            parts += "IFNULL(" + select_expression(c) + ", 'N')";
        }
    }
    return "CONCAT_WS(0x1f, " + parts + ")";
}

}  // namespace gangway::mover
