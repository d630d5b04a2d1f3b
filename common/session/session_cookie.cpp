#include "common/session/session_cookie.hpp"

namespace gangway {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

std::string session_set_cookie(const session_config& cfg, std::string_view sealed,
                               std::chrono::seconds max_age) {
    return cfg.cookie_name + "=" + std::string(sealed) +
           "; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=" + std::to_string(max_age.count());
}

std::string session_clear_cookie(const session_config& cfg) {
    return cfg.cookie_name + "=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0";
}

std::optional<std::string_view> find_cookie(std::string_view header, std::string_view name) {
    if (name.empty()) return std::nullopt;
    std::optional<std::string_view> found;
    while (!header.empty()) {
        const auto semi = header.find(';');
        const std::string_view pair = trim(header.substr(0, semi));
        const auto eq = pair.find('=');
        if (eq != std::string_view::npos && trim(pair.substr(0, eq)) == name) {
            if (found) return std::nullopt;
            std::string_view value = trim(pair.substr(eq + 1));
            if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
                value = value.substr(1, value.size() - 2);
            found = value;
        }
        if (semi == std::string_view::npos) break;
        header.remove_prefix(semi + 1);
    }
    return found;
}

}  // namespace gangway
