#include "gateway/admin/accounts_routes.hpp"

#include <charconv>
#include <optional>
#include <variant>
#include <string>

#include <nlohmann/json.hpp>

#include "common/db/db_pool.hpp"
#include "common/db/placement_store.hpp"
#include "common/net/offload.hpp"
#include "gateway/placement/account_ops.hpp"
#include "gateway/server/account_services.hpp"
#include "gateway/server/runtime.hpp"

namespace gangway {
namespace net = boost::asio;
namespace {

constexpr std::size_t default_page = 100;
constexpr std::size_t max_page = 10'000;

admin_reply json_reply(unsigned status, const nlohmann::json& body) {
    return {status, "application/json", body.dump() + "\n"};
}

admin_reply error_reply(unsigned status, std::string_view reason, std::string_view message = {}) {
    nlohmann::json body = {{"error", reason}};
    if (!message.empty()) body["message"] = message;
    return json_reply(status, body);
}

std::optional<std::uint64_t> parse_id(std::string_view text) {
    std::uint64_t value = 0;
    if (text.empty() || text.size() > 20) return std::nullopt;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// The value of `key` in a raw query string (no percent-decoding: every value here is a plain
// token), or nullopt.
std::optional<std::string_view> query_value(std::string_view query, std::string_view key) {
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        const auto eq = pair.find('=');
        if (pair.substr(0, eq) == key) return eq == std::string_view::npos ? "" : pair.substr(eq + 1);
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return std::nullopt;
}

nlohmann::json row_json(const placement_row& r) {
    return {{"account_id", r.account_id}, {"state", std::string(to_string(r.state))},
            {"site", r.site}, {"version", r.version}, {"updated_at", r.updated_at},
            {"updated_by", r.updated_by}, {"reason", r.reason}};
}

nlohmann::json audit_json(const audit_row& a) {
    return {{"id", a.id}, {"account_id", a.account_id}, {"from_state", a.from_state},
            {"from_site", a.from_site}, {"to_state", a.to_state}, {"to_site", a.to_site},
            {"version", a.version}, {"changed_at", a.changed_at}, {"changed_by", a.changed_by},
            {"reason", a.reason}};
}

unsigned status_of(account_change::outcome o) {
    using outcome = account_change::outcome;
    switch (o) {
        case outcome::applied: return 200;
        case outcome::conflict: return 409;
        case outcome::not_found: return 404;
        case outcome::refused: return 422;
        case outcome::fence_timeout: return 504;
        case outcome::failed: return 503;
    }
    return 503;
}

struct page_params {
    std::uint64_t after = 0;
    std::size_t limit = default_page;
};

std::optional<page_params> paging(const admin_request& req) {
    page_params p;
    if (auto a = query_value(req.query, "after")) {
        auto v = parse_id(*a);
        if (!v) return std::nullopt;
        p.after = *v;
    }
    if (auto l = query_value(req.query, "limit")) {
        auto v = parse_id(*l);
        if (!v || *v == 0 || *v > max_page) return std::nullopt;
        p.limit = static_cast<std::size_t>(*v);
    }
    return p;
}

// A PUT body, checked: every problem is a 400 that names the field.
struct put_body {
    placement_state state;
    std::string site;
    std::optional<std::uint64_t> expected_version;
    std::string reason;
    std::string by;
};

std::variant<put_body, admin_reply> parse_put(std::string_view text) {
    const auto body = nlohmann::json::parse(text, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return error_reply(400, "bad_json", "body must be a JSON object");
    put_body out;
    const auto state = body.value("state", std::string());
    const auto parsed = placement_state_from_string(state);
    if (!parsed) return error_reply(400, "bad_state", "state must be active, locked or moved");
    out.state = *parsed;
    out.site = body.value("site", std::string());
    if (out.site.empty() || out.site.size() > 64) return error_reply(400, "bad_site", "site is required");
    if (body.contains("expected_version")) {
        if (!body["expected_version"].is_number_unsigned())
            return error_reply(400, "bad_expected_version", "expected_version must be an unsigned integer");
        out.expected_version = body["expected_version"].get<std::uint64_t>();
    }
    out.reason = body.value("reason", std::string());
    out.by = body.value("by", std::string("admin-api"));
    if (out.reason.size() > 512 || out.by.size() > 128)
        return error_reply(400, "too_long", "reason is at most 512 bytes, by at most 128");
    return out;
}

}  // namespace

void add_accounts_routes(admin_routes& routes, account_services& services, const runtime& rt) {
    auto& db = services.db();
    auto& ops = services.ops_pool();

    routes.add_async_route("GET", "/admin/v1/accounts/{}", true,
                           [&db](admin_request req) -> net::awaitable<admin_reply> {
        const auto id = parse_id(req.path_param);
        if (!id) co_return error_reply(400, "bad_account_id");
        auto row = co_await db.run([id = *id](sql::Connection& c) { return get_placement(c, id); });
        if (!row) co_return error_reply(503, "database_unavailable", row.message);
        if (!*row.value) co_return error_reply(404, "not_found");
        co_return json_reply(200, row_json(**row.value));
    });

    routes.add_async_route("PUT", "/admin/v1/accounts/{}", true,
                           [&db, &ops, &rt](admin_request req) -> net::awaitable<admin_reply> {
        const auto id = parse_id(req.path_param);
        if (!id) co_return error_reply(400, "bad_account_id");
        auto parsed = parse_put(req.body);
        if (auto* bad = std::get_if<admin_reply>(&parsed)) co_return std::move(*bad);
        const put_body body = std::get<put_body>(std::move(parsed));
        const auto cfg = rt.current()->cfg;
        const fence_settings fence{cfg->sites.self, cfg->placement.instance_ttl,
                                   cfg->placement.fence_timeout};
        // A named lambda, not a temporary: GCC 12 destroys a temporary that owns strings
        // twice when it is an argument of a co_await expression.
        auto change_it = [&db, fence, id, body] {
            return set_account(db, fence, *id, body.state, body.site, body.expected_version,
                               body.by, body.reason);
        };
        const account_change change = co_await offload(ops, std::move(change_it));
        nlohmann::json out = {{"outcome", std::string(outcome_name(change.result))},
                              {"message", change.message}};
        if (change.row) out["placement"] = row_json(*change.row);
        co_return json_reply(status_of(change.result), out);
    });

    routes.add_async_route("GET", "/admin/v1/accounts", true,
                           [&db](admin_request req) -> net::awaitable<admin_reply> {
        const auto page = paging(req);
        if (!page) co_return error_reply(400, "bad_paging", "after and limit must be integers, limit 1..10000");
        std::optional<std::string> site;
        if (auto s = query_value(req.query, "site"); s && !s->empty()) site = std::string(*s);
        std::optional<placement_state> state;
        if (auto s = query_value(req.query, "state"); s && !s->empty()) {
            state = placement_state_from_string(*s);
            if (!state) co_return error_reply(400, "bad_state", "state must be active, locked or moved");
        }
        auto list = [site, state, page](sql::Connection& c) {
            return list_placements(c, site, state, page->after, page->limit);
        };
        auto rows = co_await db.run(std::move(list));
        if (!rows) co_return error_reply(503, "database_unavailable", rows.message);
        nlohmann::json found = nlohmann::json::array();
        for (const auto& r : *rows.value) found.push_back(row_json(r));
        nlohmann::json next = nullptr;
        if (rows.value->size() == page->limit) next = rows.value->back().account_id;
        co_return json_reply(200, {{"accounts", found}, {"next_after", next}});
    });

    routes.add_async_route("GET", "/admin/v1/audit", true,
                           [&db](admin_request req) -> net::awaitable<admin_reply> {
        const auto page = paging(req);
        if (!page) co_return error_reply(400, "bad_paging", "after and limit must be integers, limit 1..10000");
        std::optional<std::uint64_t> account;
        if (auto a = query_value(req.query, "account")) {
            account = parse_id(*a);
            if (!account) co_return error_reply(400, "bad_account_id");
        }
        auto rows = co_await db.run([account, page](sql::Connection& c) {
            return list_audit(c, account, page->after, page->limit);
        });
        if (!rows) co_return error_reply(503, "database_unavailable", rows.message);
        nlohmann::json list = nlohmann::json::array();
        for (const auto& a : *rows.value) list.push_back(audit_json(a));
        nlohmann::json next = nullptr;
        if (rows.value->size() == page->limit) next = rows.value->back().id;
        co_return json_reply(200, {{"audit", list}, {"next_after", next}});
    });
}

}  // namespace gangway
