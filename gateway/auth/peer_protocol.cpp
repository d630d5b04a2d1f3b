#include "gateway/auth/peer_protocol.hpp"

#include <array>
#include <utility>

#include <nlohmann/json.hpp>

namespace gangway {
namespace {

using json = nlohmann::json;

constexpr std::array<std::pair<peer_login_outcome, std::string_view>, 6> login_outcomes{{
    {peer_login_outcome::handoff, "handoff"},
    {peer_login_outcome::failed, "failed"},
    {peer_login_outcome::not_here, "not_here"},
    {peer_login_outcome::locked, "locked"},
    {peer_login_outcome::limited, "limited"},
    {peer_login_outcome::unavailable, "unavailable"},
}};

constexpr std::array<std::pair<peer_reset_outcome, std::string_view>, 3> reset_outcomes{{
    {peer_reset_outcome::sent, "sent"},
    {peer_reset_outcome::not_here, "not_here"},
    {peer_reset_outcome::unavailable, "unavailable"},
}};

template <class Table, class Outcome>
std::string_view name_of(const Table& table, Outcome o) {
    for (const auto& [value, name] : table)
        if (value == o) return name;
    return "unknown";
}

template <class Table>
auto outcome_named(const Table& table, std::string_view name)
    -> std::optional<typename Table::value_type::first_type> {
    for (const auto& [value, n] : table)
        if (n == name) return value;
    return std::nullopt;
}

// The body as a JSON object; nullopt for anything else.
std::optional<json> parse_object(std::string_view body) {
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    return j;
}

bool read_string(const json& j, const char* key, std::string& out) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return false;
    out = it->get<std::string>();
    return true;
}

// The reply's outcome name when it answers `request_id`.
std::optional<std::string> reply_outcome(const json& j, std::string_view request_id) {
    std::string answers, outcome;
    if (!read_string(j, "in_reply_to", answers) || answers != request_id) return std::nullopt;
    if (!read_string(j, "outcome", outcome)) return std::nullopt;
    return outcome;
}

}  // namespace

std::string_view to_string(peer_login_outcome o) noexcept { return name_of(login_outcomes, o); }
std::string_view to_string(peer_reset_outcome o) noexcept { return name_of(reset_outcomes, o); }

std::string encode(const peer_login_request& r) {
    return json{{"email", r.email}, {"password", r.password}, {"next", r.next},
                {"client_ip", r.client_ip}, {"user_agent", r.user_agent}}
        .dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encode(const peer_login_reply& r, std::string_view in_reply_to) {
    return json{{"in_reply_to", in_reply_to}, {"outcome", to_string(r.outcome)},
                {"location", r.location}}
        .dump();
}

std::string encode(const peer_reset_request& r) {
    return json{{"email", r.email}, {"client_ip", r.client_ip}}.dump(-1, ' ', false,
                                                                    json::error_handler_t::replace);
}

std::string encode(const peer_transfer_request& r) {
    return json{{"user_id", r.user_id}, {"account_id", r.account_id}, {"email", r.email},
                {"next", r.next}, {"client_ip", r.client_ip}, {"user_agent", r.user_agent}}
        .dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encode(peer_reset_outcome o, std::string_view in_reply_to) {
    return json{{"in_reply_to", in_reply_to}, {"outcome", to_string(o)}}.dump();
}

std::optional<peer_login_request> decode_login_request(std::string_view body) {
    const auto j = parse_object(body);
    peer_login_request r;
    if (!j || !read_string(*j, "email", r.email) || !read_string(*j, "password", r.password) ||
        !read_string(*j, "next", r.next) || !read_string(*j, "client_ip", r.client_ip) ||
        !read_string(*j, "user_agent", r.user_agent))
        return std::nullopt;
    return r;
}

std::optional<peer_login_reply> decode_login_reply(std::string_view body, std::string_view request_id) {
    const auto j = parse_object(body);
    if (!j) return std::nullopt;
    const auto name = reply_outcome(*j, request_id);
    const auto outcome = name ? outcome_named(login_outcomes, *name) : std::nullopt;
    peer_login_reply r;
    if (!outcome || !read_string(*j, "location", r.location)) return std::nullopt;
    r.outcome = *outcome;
    return r;
}

std::optional<peer_reset_request> decode_reset_request(std::string_view body) {
    const auto j = parse_object(body);
    peer_reset_request r;
    if (!j || !read_string(*j, "email", r.email) || !read_string(*j, "client_ip", r.client_ip))
        return std::nullopt;
    return r;
}

std::optional<peer_transfer_request> decode_transfer_request(std::string_view body) {
    const auto j = parse_object(body);
    peer_transfer_request r;
    if (!j || !read_string(*j, "email", r.email) || !read_string(*j, "next", r.next) ||
        !read_string(*j, "client_ip", r.client_ip) || !read_string(*j, "user_agent", r.user_agent))
        return std::nullopt;
    const auto user = j->find("user_id");
    const auto account = j->find("account_id");
    if (user == j->end() || !user->is_number_unsigned() || account == j->end() ||
        !account->is_number_unsigned())
        return std::nullopt;
    r.user_id = user->get<std::uint64_t>();
    r.account_id = account->get<std::uint64_t>();
    return r;
}

std::optional<peer_reset_outcome> decode_reset_reply(std::string_view body, std::string_view request_id) {
    const auto j = parse_object(body);
    if (!j) return std::nullopt;
    const auto name = reply_outcome(*j, request_id);
    return name ? outcome_named(reset_outcomes, *name) : std::nullopt;
}

}  // namespace gangway
