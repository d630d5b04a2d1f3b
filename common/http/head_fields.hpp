#pragma once
// The field lines of one parsed HTTP/1 head, as views into the bytes it was parsed from.
// The proxy parses each head once (request_head_check.cpp for requests, response_head.cpp for
// upstream responses) and writes the outgoing head straight from these views, instead of
// copying every field into a Beast field store and serialising that again.

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

namespace gangway {

// The field names the proxy acts on, recognised once per field line while the head is parsed,
// so that later lookups and the hop-by-hop decisions compare a byte, not a name.
enum class known_field : std::uint8_t {
    other = 0,
    host,
    content_length,
    transfer_encoding,
    connection,
    proxy_connection,
    keep_alive,
    te,
    trailer,
    upgrade,
    proxy_authenticate,
    proxy_authorization,
    expect,
    forwarded,
    x_forwarded_for,
    x_forwarded_proto,
    x_forwarded_host,
    x_real_ip,
    x_request_id,
    cookie,
    accept,
    sec_fetch_mode,
    sec_fetch_dest,
    x_requested_with,
};
inline constexpr std::size_t known_field_count = 24;

// Case-insensitive; known_field::other for every name not listed above.
known_field classify_field(std::string_view name) noexcept;

struct field_line {
    std::string_view name;
    std::string_view value;  // without leading and trailing whitespace
    known_field kind = known_field::other;
};

// Views stay valid as long as the parsed bytes do not move: the caller keeps the head in its
// read buffer until it is done with them. clear() keeps the capacity, so a connection that
// reuses one head_fields allocates only for its largest head.
class head_fields {
public:
    head_fields() { first_.fill(absent); }

    void clear() noexcept {
        lines_.clear();
        first_.fill(absent);
        connection_tokens_ = 0;
    }

    void add(std::string_view name, std::string_view value) {
        const auto kind = classify_field(name);
        auto& first = first_[static_cast<std::size_t>(kind)];
        if (first == absent) first = static_cast<std::uint32_t>(lines_.size());
        lines_.push_back({name, value, kind});
        if (kind == known_field::connection) note_connection_tokens(value, 0);
        else if (kind == known_field::proxy_connection) note_connection_tokens(value, proxy_shift);
    }

    void reserve(std::size_t lines) { lines_.reserve(lines); }

    const std::vector<field_line>& lines() const noexcept { return lines_; }
    std::size_t size() const noexcept { return lines_.size(); }

    bool has(known_field k) const noexcept { return first_[static_cast<std::size_t>(k)] != absent; }

    // The first such field's value; empty when there is none.
    std::string_view operator[](known_field k) const noexcept {
        const auto i = first_[static_cast<std::size_t>(k)];
        return i == absent ? std::string_view{} : lines_[i].value;
    }

    // The first field of this name (any case); empty when there is none.
    std::string_view find(std::string_view name) const noexcept;

    // Whether any field of kind `k` lists `token` (any case) among its comma-separated elements.
    bool has_token(known_field k, std::string_view token) const noexcept;

    // Whether some Connection field names `name` (RFC 9110 7.6.1: a field only for this hop).
    bool named_in_connection(std::string_view name) const noexcept;

    // The tokens of the Connection (and, apart, Proxy-Connection) fields, noted as the fields
    // are added, so that these questions cost a test each.
    bool connection_says(std::string_view lower_token) const noexcept {
        return connection_tokens_ & token_bit(lower_token);
    }
    bool proxy_connection_says(std::string_view lower_token) const noexcept {
        return connection_tokens_ & (token_bit(lower_token) << proxy_shift);
    }
    // Whether the Connection fields name anything but "close" and "keep-alive" (most heads do
    // not; then no field needs the per-name check above).
    bool connection_names_fields() const noexcept { return connection_tokens_ & names_other; }

private:
    static constexpr std::uint32_t absent = 0xffffffffu;
    // Bits of connection_tokens_: close, keep-alive, upgrade, and "another name" (for
    // Connection only: Proxy-Connection's extra names drop nothing, its field is dropped).
    static constexpr unsigned says_close = 1u, says_keep_alive = 2u, says_upgrade = 4u,
                              names_other = 8u, proxy_shift = 4;
    static unsigned token_bit(std::string_view lower_token) noexcept {
        return lower_token == "close"        ? says_close
               : lower_token == "keep-alive" ? says_keep_alive
               : lower_token == "upgrade"    ? says_upgrade
                                             : 0u;
    }
    void note_connection_tokens(std::string_view value, unsigned shift) noexcept;

    std::vector<field_line> lines_;
    std::array<std::uint32_t, known_field_count> first_;
    unsigned connection_tokens_ = 0;
};

// Index of the first byte at or after `i` in `p` that cannot appear in a field value (any
// control byte but HTAB, and DEL); `n` bounds the scan, which stops before it at the latest
// when p[n-1] is such a byte (a head's final LF). Eight bytes at a time (SWAR: a byte below
// 0x20 or DEL sets its high bit in `suspect`; a borrow only runs upwards from such a byte, so
// the lowest flag is the first one), stepping over HTAB; a byte loop only for the last few.
inline std::size_t skip_field_value_bytes(const char* p, std::size_t i, std::size_t n) noexcept {
    constexpr std::uint64_t ones = 0x0101010101010101ull;
    constexpr std::uint64_t highs = 0x8080808080808080ull;
    while (i + 8 <= n) {
        std::uint64_t w;
        std::memcpy(&w, p + i, 8);
        const std::uint64_t del = w ^ (ones * 0x7F);
        const std::uint64_t suspect = (((w - ones * 0x20) & ~w) | ((del - ones) & ~del)) & highs;
        if (!suspect) {
            i += 8;
            continue;
        }
        if constexpr (std::endian::native != std::endian::little) break;
        i += static_cast<std::size_t>(std::countr_zero(suspect)) / 8;
        if (p[i] != '\t') return i;
        ++i;
    }
    for (;; ++i) {
        const auto c = static_cast<unsigned char>(p[i]);
        if ((c < 0x20 && c != '\t') || c == 0x7F) return i;
    }
}

// A request head that passed check_request_head (request_head_check.cpp, which fills it), as
// views into the checked bytes. Field values are trimmed; Host, Content-Length and
// Transfer-Encoding are as the check allows them (at most one Host and one Content-Length, at
// most one "chunked", never both framings).
struct request_head_view {
    std::string_view method;
    std::string_view target;
    bool http10 = false;
    head_fields fields;
    std::optional<unsigned long long> content_length;
    bool chunked = false;

    // HTTP/1.1 unless a Connection field says "close"; HTTP/1.0 only with "keep-alive".
    bool keep_alive() const noexcept;
    // A Connection (or Proxy-Connection) field lists "upgrade" (as Beast's parser.upgrade()).
    bool upgrade() const noexcept;
};

}  // namespace gangway
