#include "gateway/mover/key_ranges.hpp"

#include <algorithm>

namespace gangway::mover {
namespace {

using wide = __int128;  // any BIGINT, signed or not, and their differences

// -?digits within BIGINT UNSIGNED's or BIGINT's reach.
std::optional<wide> integer_of(const std::string& text) {
    const bool negative = !text.empty() && text[0] == '-';
    const std::size_t digits = text.size() - negative;
    if (digits == 0 || digits > 20) return std::nullopt;
    wide v = 0;
    for (std::size_t i = negative; i < text.size(); ++i) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
        v = v * 10 + (text[i] - '0');
    }
    return negative ? -v : v;
}

std::string text_of(wide v) {
    if (v == 0) return "0";
    const bool negative = v < 0;
    std::string out;
    for (wide rest = negative ? -v : v; rest > 0; rest /= 10) out += static_cast<char>('0' + static_cast<int>(rest % 10));
    if (negative) out += '-';
    std::reverse(out.begin(), out.end());
    return out;
}

}  // namespace

std::string key_part::text() const {
    switch (what) {
        case kind::all: return "";
        case kind::between: return "keys " + low + ".." + high;
        case kind::outside: return "keys outside " + low + ".." + high;
        case kind::range: return "every key " + low + ".." + high;
    }
    return "";
}

std::optional<key_span> span_of(const std::vector<std::vector<std::string>>& keys, std::size_t column) {
    std::optional<wide> low, high;
    for (const auto& k : keys) {
        const auto v = column < k.size() ? integer_of(k[column]) : std::nullopt;
        if (!v) return std::nullopt;
        low = low ? std::min(*low, *v) : *v;
        high = high ? std::max(*high, *v) : *v;
    }
    if (!low) return std::nullopt;
    return key_span{text_of(*low), text_of(*high), keys.size()};
}

std::vector<key_part> key_parts(const table_layout& t, const std::optional<key_span>& span, unsigned readers,
                                std::uint64_t min_rows) {
    const bool by_primary = t.key.size() == 1 && t.key_is_primary && t.columns[t.key[0]].kind == value_kind::integer;
    const auto low = span ? integer_of(span->low) : std::nullopt;
    const auto high = span ? integer_of(span->high) : std::nullopt;
    if (!by_primary || !low || !high || *high < *low) return {key_part{}};
    const wide width = *high - *low + 1;
    if (static_cast<wide>(span->rows) * 2 < width) return {key_part{}};  // sparse: the server sorts
    const auto parts = std::clamp<std::uint64_t>(span->rows / std::max<std::uint64_t>(min_rows, 1), 1, std::max(readers, 1u));
    std::vector<key_part> out;
    for (std::uint64_t i = 0; i < parts; ++i) {
        const wide from = *low + width * static_cast<wide>(i) / static_cast<wide>(parts);
        const wide to = *low + width * static_cast<wide>(i + 1) / static_cast<wide>(parts) - 1;
        out.push_back({key_part::kind::between, text_of(from), text_of(to)});
    }
    out.push_back({key_part::kind::outside, span->low, span->high});
    return out;
}

}  // namespace gangway::mover
