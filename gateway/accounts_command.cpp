#include "gateway/accounts_command.hpp"

#include <pwd.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/config/config_loader.hpp"
#include "common/db/db_pool.hpp"
#include "common/db/placement_store.hpp"
#include "gateway/exit_codes.hpp"
#include "gateway/placement/account_ops.hpp"

namespace gangway {
namespace {

struct accounts_options {
    std::string config_path;
    std::vector<std::uint64_t> accounts;
    std::string site;
    std::string state;
    std::string reason;
    std::string by;
    std::optional<std::uint64_t> expected_version;
    std::optional<std::int64_t> timeout_ms;
    std::uint64_t after = 0;
    std::size_t limit = 100;
    bool json = false;
};

nlohmann::json row_json(const placement_row& r) {
    return {{"account_id", r.account_id}, {"state", std::string(to_string(r.state))},
            {"site", r.site}, {"version", r.version}, {"updated_at", r.updated_at},
            {"updated_by", r.updated_by}, {"reason", r.reason}};
}

void print_row(const placement_row& r, bool json) {
    if (json) {
        std::cout << row_json(r).dump() << "\n";
        return;
    }
    std::cout << fmt::format("{:>12}  {:<7} {:<12} v{:<8} {}  {}  {}\n", r.account_id,
                             to_string(r.state), r.site, r.version, r.updated_at, r.updated_by,
                             r.reason);
}

// The loaded config and a one-connection pool, or an exit code.
struct session_env {
    config_ptr cfg;
    std::unique_ptr<db_pool> db;
    fence_settings fence;
};

std::optional<session_env> open_env(const accounts_options& o, int& result) {
    auto loaded = load_config(o.config_path);
    for (const auto& e : loaded.errors) std::cerr << e.to_string() << "\n";
    if (!loaded.value) {
        result = exit_usage;
        return std::nullopt;
    }
    if (!loaded.value->database) {
        std::cerr << "gangway accounts: the config has no [database] section\n";
        result = exit_usage;
        return std::nullopt;
    }
    database_config db = *loaded.value->database;
    db.pool_size = 1;
    const auto& p = loaded.value->placement;
    auto timeout = o.timeout_ms ? std::chrono::milliseconds(*o.timeout_ms) : p.fence_timeout;
    return session_env{loaded.value, std::make_unique<db_pool>(db),
                       fence_settings{loaded.value->sites.self, p.instance_ttl, timeout}};
}

int report(const account_change& c, bool json) {
    if (json) {
        nlohmann::json out = {{"outcome", std::string(outcome_name(c.result))}, {"message", c.message}};
        if (c.row) out["placement"] = row_json(*c.row);
        std::cout << out.dump() << "\n";
    } else {
        (c.result == account_change::outcome::applied ? std::cout : std::cerr) << c.message << "\n";
    }
    return c.result == account_change::outcome::applied ? exit_ok : exit_failed;
}

int run_list(const accounts_options& o, int& result) {
    auto env = open_env(o, result);
    if (!env) return result;
    std::optional<placement_state> state;
    if (!o.state.empty()) state = placement_state_from_string(o.state);
    if (!o.state.empty() && !state) {
        std::cerr << "gangway accounts list: --state must be active, locked or moved\n";
        return exit_usage;
    }
    std::optional<std::string> site;
    if (!o.site.empty()) site = o.site;
    auto rows = env->db->run_blocking([&](sql::Connection& c) {
        return list_placements(c, site, state, o.after, o.limit);
    });
    if (!rows) {
        std::cerr << "gangway accounts list: " << rows.message << "\n";
        return exit_failed;
    }
    for (const auto& r : *rows.value) print_row(r, o.json);
    return exit_ok;
}

int run_show(const accounts_options& o, int& result) {
    auto env = open_env(o, result);
    if (!env) return result;
    int code = exit_ok;
    for (std::uint64_t id : o.accounts) {
        auto row = env->db->run_blocking([id](sql::Connection& c) { return get_placement(c, id); });
        if (!row) {
            std::cerr << "gangway accounts show: " << row.message << "\n";
            return exit_failed;
        }
        if (!*row.value) {
            std::cerr << "account " << id << ": no placement on this site\n";
            code = exit_failed;
            continue;
        }
        print_row(**row.value, o.json);
    }
    return code;
}

int run_audit(const accounts_options& o, int& result) {
    auto env = open_env(o, result);
    if (!env) return result;
    std::optional<std::uint64_t> account;
    if (!o.accounts.empty()) account = o.accounts.front();
    auto rows = env->db->run_blocking([&](sql::Connection& c) {
        return list_audit(c, account, o.after, o.limit);
    });
    if (!rows) {
        std::cerr << "gangway accounts audit: " << rows.message << "\n";
        return exit_failed;
    }
    for (const auto& a : *rows.value) {
        nlohmann::json j = {{"id", a.id}, {"account_id", a.account_id}, {"from_state", a.from_state},
                            {"from_site", a.from_site}, {"to_state", a.to_state},
                            {"to_site", a.to_site}, {"version", a.version},
                            {"changed_at", a.changed_at}, {"changed_by", a.changed_by},
                            {"reason", a.reason}};
        if (o.json) std::cout << j.dump() << "\n";
        else
            std::cout << fmt::format("{:>8}  {}  account {}: {}/{} -> {}/{} v{} by {}: {}\n", a.id,
                                     a.changed_at, a.account_id, a.from_state, a.from_site,
                                     a.to_state, a.to_site, a.version, a.changed_by, a.reason);
    }
    return exit_ok;
}

// lock, unlock, add, set: one change per account, in order; stops at the first failure so
// an operator never has to guess which accounts of a batch changed.
template <class Change>
int run_changes(const accounts_options& o, int& result, Change change) {
    auto env = open_env(o, result);
    if (!env) return result;
    const std::string by = o.by.empty() ? default_actor() : o.by;
    for (std::uint64_t id : o.accounts) {
        if (int code = report(change(*env, id, by), o.json); code != exit_ok) return code;
    }
    return exit_ok;
}

CLI::App* verb(CLI::App& accounts, accounts_options& o, const std::string& name,
               const std::string& description) {
    auto* sub = accounts.add_subcommand(name, description);
    sub->add_option("--config", o.config_path, "config file (TOML)")->required();
    sub->add_flag("--json", o.json, "JSON lines instead of text");
    return sub;
}

void add_change_options(CLI::App* sub, accounts_options& o) {
    sub->add_option("ACCOUNT", o.accounts, "account ids")->required()->check(CLI::PositiveNumber);
    sub->add_option("--reason", o.reason, "why (kept in the audit log)");
    sub->add_option("--by", o.by, "who (default: cli:<user>@<host>)");
    sub->add_option("--expected-version", o.expected_version,
                    "compare-and-set: change only if the placement has this version");
}

}  // namespace

std::string default_actor() {
    std::string user = std::getenv("SUDO_USER") ? std::getenv("SUDO_USER")
                       : std::getenv("USER")    ? std::getenv("USER")
                                                : "";
    if (user.empty()) {
        passwd entry{};
        passwd* found = nullptr;
        std::array<char, 1024> buffer{};
        if (::getpwuid_r(::geteuid(), &entry, buffer.data(), buffer.size(), &found) == 0 && found)
            user = found->pw_name;
        else
            user = "uid" + std::to_string(::geteuid());
    }
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    return "cli:" + user + "@" + host;
}

void add_accounts_command(CLI::App& app, int& result) {
    auto o = std::make_shared<accounts_options>();
    auto* accounts = app.add_subcommand("accounts", "see and change placement on this site");
    accounts->require_subcommand(1);

    auto* list = verb(*accounts, *o, "list", "accounts on this site's database");
    list->add_option("--site", o->site, "only accounts placed on this site name");
    list->add_option("--state", o->state, "only active, locked or moved");
    list->add_option("--after", o->after, "keyset pagination: account ids above this");
    list->add_option("--limit", o->limit, "at most this many rows")->check(CLI::Range(1, 100000));
    list->callback([o, &result] { result = run_list(*o, result); });

    auto* show = verb(*accounts, *o, "show", "one account's placement");
    show->add_option("ACCOUNT", o->accounts, "account ids")->required()->check(CLI::PositiveNumber);
    show->callback([o, &result] { result = run_show(*o, result); });

    auto* audit = verb(*accounts, *o, "audit", "placement changes, oldest first");
    audit->add_option("ACCOUNT", o->accounts, "only this account")->check(CLI::PositiveNumber);
    audit->add_option("--after", o->after, "audit ids above this");
    audit->add_option("--limit", o->limit, "at most this many rows")->check(CLI::Range(1, 100000));
    audit->callback([o, &result] { result = run_audit(*o, result); });

    auto* lock = verb(*accounts, *o, "lock", "lock accounts; returns when the fence holds");
    add_change_options(lock, *o);
    lock->add_option("--timeout-ms", o->timeout_ms, "fence wait (default placement.fence_timeout_ms)")
        ->check(CLI::Range(1, 3'600'000));
    lock->callback([o, &result] {
        result = run_changes(*o, result, [&](session_env& env, std::uint64_t id, const std::string& by) {
            return lock_account(*env.db, env.fence, id, by, o->reason, o->expected_version);
        });
    });

    auto* unlock = verb(*accounts, *o, "unlock", "make locked accounts active here again");
    add_change_options(unlock, *o);
    unlock->callback([o, &result] {
        result = run_changes(*o, result, [&](session_env& env, std::uint64_t id, const std::string& by) {
            return unlock_account(*env.db, env.fence, id, by, o->reason, o->expected_version);
        });
    });

    auto* add = verb(*accounts, *o, "add", "place new accounts: active on this site");
    add_change_options(add, *o);
    add->callback([o, &result] {
        result = run_changes(*o, result, [&](session_env& env, std::uint64_t id, const std::string& by) {
            return set_account(*env.db, env.fence, id, placement_state::active, env.fence.site,
                               std::nullopt, by, o->reason.empty() ? "added" : o->reason);
        });
    });

    auto* set = verb(*accounts, *o, "set", "set state and site (e.g. moved --site aws)");
    add_change_options(set, *o);
    set->add_option("--state", o->state, "active, locked or moved")->required();
    set->add_option("--site", o->site, "where the account lives")->required();
    set->callback([o, &result] {
        const auto state = placement_state_from_string(o->state);
        if (!state) {
            std::cerr << "gangway accounts set: --state must be active, locked or moved\n";
            result = exit_usage;
            return;
        }
        result = run_changes(*o, result, [&](session_env& env, std::uint64_t id, const std::string& by) {
            auto expected = o->expected_version;
            if (!expected) {  // no CAS asked for: change whatever is there now
                auto now = env.db->run_blocking([id](sql::Connection& c) { return get_placement(c, id); });
                if (now && *now.value) expected = (*now.value)->version;
            }
            return set_account(*env.db, env.fence, id, *state, o->site, expected, by, o->reason);
        });
    });
}

}  // namespace gangway
