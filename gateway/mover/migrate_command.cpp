#include "gateway/mover/migrate_command.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/config/config_loader.hpp"
#include "common/db/db_pool.hpp"
#include "gateway/accounts_command.hpp"
#include "gateway/exit_codes.hpp"
#include "gateway/mover/account_move.hpp"
#include "gateway/mover/catalog_reader.hpp"
#include "gateway/mover/move_checks.hpp"
#include "gateway/mover/move_progress.hpp"
#include "gateway/mover/rehearsal.hpp"
#include "gateway/mover/row_cleanser.hpp"
#include "gateway/mover/walkable_model.hpp"

namespace gangway::mover {

// The network read timeout of the mover's connections, at least: a big table's read or sum
// runs for minutes, and a silent server still ends the move within this bound.
constexpr std::chrono::milliseconds mover_query_timeout{15 * 60 * 1000};
namespace {

struct migrate_options {
    std::string config_path;
    std::string schema_path;
    std::string to;
    unsigned jobs = 4;
    bool resume = false;
    bool abort = false;
    bool rehearsal = false;
    bool replace_stale = false;
    std::string scratch;  // default: <destination database>_rehearsal
    std::string by;
    std::vector<std::string> accounts;
};

int fail(int code, const std::string& message) {
    std::cerr << "gangway migrate: " << message << "\n";
    return code;
}

std::optional<std::vector<std::uint64_t>> account_ids(const std::vector<std::string>& given) {
    std::vector<std::uint64_t> out;
    for (const auto& a : given) {
        std::uint64_t id = 0;
        const char* end = a.data() + a.size();
        if (auto r = std::from_chars(a.data(), end, id); r.ec != std::errc() || r.ptr != end || id == 0) {
            fail(exit_usage, "ACCOUNT " + a + ": not an account id (1..2^64-1)");
            return std::nullopt;
        }
        out.push_back(id);
    }
    return out;
}

// Both sites' databases and the source config, or an exit code.
struct sites_env {
    config_ptr cfg;
    database_config source;
    database_config destination;
};

std::optional<sites_env> load_sites(const migrate_options& o, int& code) {
    code = exit_usage;
    auto loaded = load_config(o.config_path);
    for (const auto& e : loaded.errors) std::cerr << e.to_string() << "\n";
    if (!loaded.value) return std::nullopt;
    const config& cfg = *loaded.value;
    if (!cfg.database) {
        fail(exit_usage, o.config_path + ": the config has no [database] section (the source site's)");
        return std::nullopt;
    }
    if (o.to == cfg.sites.self) {
        fail(exit_usage, "--to " + o.to + ": that is this config's own site; name the destination");
        return std::nullopt;
    }
    const site_entry* to = cfg.sites.find(o.to);
    if (!to || !to->database) {
        fail(exit_usage, "--to " + o.to + ": " + o.config_path + " has no [sites." + o.to +
                             ".database] (the destination site's database)");
        return std::nullopt;
    }
    return sites_env{loaded.value, *cfg.database, *to->database};
}

// The model's layouts on the source, checked against the destination's tables.
std::optional<layout_map> checked_layouts(const walkable_model& m, db_pool& source, db_pool& destination,
                                          int& code) {
    code = exit_failed;
    auto here = source.run_blocking([&](sql::Connection& c) { return read_catalog(c, source.settings().name); });
    if (!here) return fail(exit_failed, "reading the source's tables: " + here.message), std::nullopt;
    auto there = destination.run_blocking(
        [&](sql::Connection& c) { return read_catalog(c, destination.settings().name); });
    if (!there) return fail(exit_failed, "reading the destination's tables: " + there.message), std::nullopt;
    layouts_result layouts = build_layouts(*m.model, m.plan, *here.value);
    for (const auto& e : layouts.errors) std::cerr << e << "\n";
    if (!layouts.errors.empty()) {
        code = exit_usage;
        return fail(exit_usage, "the model does not fit the source database; see `gangway schema check`"),
               std::nullopt;
    }
    const auto mismatches = layout_mismatches(layouts.tables, *there.value);
    for (const auto& e : mismatches) std::cerr << e << "\n";
    if (!mismatches.empty()) {
        return fail(exit_failed, "the destination's tables differ from the source's; nothing was "
                                 "changed (apply the same schema migrations on both sites first)"),
               std::nullopt;
    }
    return std::move(layouts.tables);
}

std::optional<rehearsal_settings> rehearsal_for(const migrate_options& o, const sites_env& env,
                                                const walkable_model& m,
                                                std::unique_ptr<db_pool>& scratch) {
    auto key = load_cleansing_key(m.model->cleansing_key);
    if (!key.key) return fail(exit_usage, "--rehearsal cleanses the copy: " + key.error), std::nullopt;
    database_config cfg = env.destination;
    cfg.name = o.scratch.empty() ? env.destination.name + "_rehearsal" : o.scratch;
    if (cfg.name == env.destination.name) {
        return fail(exit_usage, "--scratch must not be the destination database itself"), std::nullopt;
    }
    cfg.pool_size = o.jobs + 1;
    cfg.query_timeout = std::max(cfg.query_timeout, mover_query_timeout);
    scratch = std::make_unique<db_pool>(cfg);
    const auto& p = env.cfg->placement;
    return rehearsal_settings{scratch.get(), cfg.name, env.destination.name, *key.key,
                              2 * p.heartbeat_interval + p.refresh_interval};
}

int run_migrate(const migrate_options& o) {
    if (int(o.resume) + int(o.abort) + int(o.rehearsal) > 1) {
        return fail(exit_usage, "at most one of --resume, --abort and --rehearsal");
    }
    const auto ids = account_ids(o.accounts);
    if (!ids) return exit_usage;
    int code = exit_ok;
    auto env = load_sites(o, code);
    if (!env) return code;
    const auto model = load_walkable_model(o.schema_path, "gangway migrate");
    if (!model) return exit_usage;
    // --jobs readers at the source and as many writers at the destination, each with a
    // connection, plus one for the journal and placement; one table of a big account takes
    // longer than a gateway's query (the readers lift max_statement_time themselves).
    database_config source_cfg = env->source;
    source_cfg.pool_size = o.jobs + 1;
    source_cfg.query_timeout = std::max(source_cfg.query_timeout, mover_query_timeout);
    database_config destination_cfg = env->destination;
    destination_cfg.pool_size = o.jobs + 1;
    destination_cfg.query_timeout = std::max(destination_cfg.query_timeout, mover_query_timeout);
    db_pool source(source_cfg);
    db_pool destination(destination_cfg);
    const auto layouts = checked_layouts(*model, source, destination, code);
    if (!layouts) return code;
    std::unique_ptr<db_pool> scratch;
    std::optional<rehearsal_settings> rehearsal;
    if (o.rehearsal && !(rehearsal = rehearsal_for(o, *env, *model, scratch))) return exit_usage;

    move_progress progress(::isatty(STDERR_FILENO) == 1);
    const auto& p = env->cfg->placement;
    const move_context ctx{*model->model,       model->plan,
                           *layouts,            source,
                           destination,         env->cfg->sites.self,
                           o.to,                {env->cfg->sites.self, p.instance_ttl, p.fence_timeout},
                           env->cfg->login.users_table, env->cfg->login.email_column,
                           o.jobs,              o.replace_stale,
                           o.by.empty() ? default_actor() : o.by, progress};
    int result = exit_ok;
    for (const std::uint64_t id : *ids) {
        const move_result r = rehearsal ? rehearse_move(ctx, *rehearsal, id)
                              : o.resume ? resume_move(ctx, id)
                              : o.abort  ? abort_move(ctx, id)
                                         : move_account(ctx, id);
        (r.exit_code() == exit_ok ? std::cout : std::cerr) << r.message << "\n";
        if (r.exit_code() != exit_ok) result = exit_failed;
    }
    return result;
}

}  // namespace

void add_migrate_command(CLI::App& app, int& result) {
    auto o = std::make_shared<migrate_options>();
    auto* migrate = app.add_subcommand("migrate", "move accounts to another site's database");
    migrate->add_option("--config", o->config_path,
                        "this site's gateway config: [database], [sites.SITE.database]")
        ->required();
    migrate->add_option("--schema", o->schema_path, "schema model (TOML)")->required();
    migrate->add_option("--to", o->to, "the destination site")->required();
    migrate->add_option("--jobs", o->jobs, "parallel writers on the destination (default 4)")
        ->check(CLI::Range(1, 64));
    migrate->add_flag("--resume", o->resume, "continue a move that was interrupted");
    migrate->add_flag("--abort", o->abort,
                      "undo a move in progress: remove the copied rows, unlock the account");
    migrate->add_flag("--rehearsal", o->rehearsal,
                      "test run: cleansed copy into a scratch database; no lock, no flip");
    migrate->add_option("--scratch", o->scratch,
                        "the rehearsal's database on the destination's server "
                        "(default: <destination database>_rehearsal)");
    migrate->add_flag("--replace-stale", o->replace_stale,
                      "the destination still holds the account's rows from before it moved "
                      "away: delete them once the account is locked, then copy afresh");
    migrate->add_option("--by", o->by, "who the audit log and journal name (default: the caller)");
    migrate->add_option("ACCOUNT", o->accounts, "account ids")->required();
    migrate->callback([o, &result] { result = run_migrate(*o); });
}

}  // namespace gangway::mover
