#include "common/config/toml_text.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace gangway {

bool is_bare_key_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

std::string toml_basic_string(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20 || byte == 0x7f) {
            std::array<char, 8> escaped{};
            std::snprintf(escaped.data(), escaped.size(), "\\u%04x", static_cast<unsigned>(byte));
            out += escaped.data();
        } else {
            out += c;
        }
    }
    out += '"';
    return out;
}

std::string toml_key_text(std::string_view key) {
    if (!key.empty() && std::all_of(key.begin(), key.end(), is_bare_key_char)) return std::string(key);
    return toml_basic_string(key);
}

std::string toml_child_path(std::string_view parent, std::string_view key) {
    if (parent.empty()) return toml_key_text(key);
    std::string out(parent);
    out.append(".").append(toml_key_text(key));
    return out;
}

std::string toml_element_path(std::string_view array_path, std::size_t index) {
    std::string out(array_path);
    out.append("[").append(std::to_string(index)).append("]");
    return out;
}

}  // namespace gangway
