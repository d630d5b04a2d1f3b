#include "gateway/db_command.hpp"

#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>

#include "common/config/config_loader.hpp"
#include "common/db/db_pool.hpp"
#include "common/db/schema_migrations.hpp"

namespace gangway {
namespace {

int run(const std::string& verb, const std::string& config_path) {
    auto loaded = load_config(config_path);
    for (const auto& e : loaded.errors) std::cerr << e.to_string() << "\n";
    if (!loaded.value) return 2;
    if (!loaded.value->database) {
        std::cerr << "gangway db: the config has no [database] section\n";
        return 2;
    }
    database_config cfg = *loaded.value->database;
    cfg.pool_size = 1;
    db_pool db(cfg);
    std::string refusal;
    auto report = db.run_blocking([&](sql::Connection& c) -> migration_report {
        try {
            return upgrade_schema(c);
        } catch (const std::runtime_error& e) {
            refusal = e.what();
            return {};
        }
    });
    if (!report) {
        std::cerr << "gangway db " << verb << ": " << report.message
                  << "\nNothing was changed if no migration was reported; run it again once the "
                     "database answers.\n";
        return 1;
    }
    if (!refusal.empty()) {
        std::cerr << "gangway db " << verb << ": " << refusal << "\n";
        return 1;
    }
    for (const auto& name : report.value->applied) std::cout << "applied " << name << "\n";
    std::cout << "gangway schema version " << report.value->version_after
              << (report.value->applied.empty() ? " (already current)\n" : "\n");
    return 0;
}

}  // namespace

void add_db_command(CLI::App& app, int& result) {
    auto* db = app.add_subcommand("db", "create or upgrade gangway's own tables");
    db->require_subcommand(1);
    auto path = std::make_shared<std::string>();
    for (const char* verb : {"init", "upgrade"}) {
        auto* sub = db->add_subcommand(verb, std::string(verb) == "init"
                                                 ? "create gangway's tables on this site's database"
                                                 : "apply newer migrations");
        sub->add_option("--config", *path, "config file (TOML)")->required();
        sub->callback([path, &result, verb] { result = run(verb, *path); });
    }
}

}  // namespace gangway
