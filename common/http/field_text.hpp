#pragma once
// Small text helpers for HTTP field values (RFC 9110 5.6): ASCII case-insensitive equality,
// optional-whitespace trimming, and token lists. Locale-free and allocation-free.

#include <string_view>

namespace gangway {

inline bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto x = static_cast<unsigned char>(a[i]);
        auto y = static_cast<unsigned char>(b[i]);
        if ((x >= 'A' && x <= 'Z' ? x + 32 : x) != (y >= 'A' && y <= 'Z' ? y + 32 : y))
            return false;
    }
    return true;
}

inline std::string_view trim_ows(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Calls f(element) for each trimmed, non-empty element of a comma-separated list.
template <class F>
void for_each_list_element(std::string_view list, F&& f) {
    while (!list.empty()) {
        auto comma = list.find(',');
        auto element = trim_ows(list.substr(0, comma));
        if (!element.empty()) f(element);
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    }
}

inline bool contains_token(std::string_view list, std::string_view token) {
    bool found = false;
    for_each_list_element(list, [&](std::string_view e) { found = found || iequals(e, token); });
    return found;
}

}  // namespace gangway
