#include "gateway/mover/schema_command.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "common/config/config_loader.hpp"
#include "common/db/db_pool.hpp"
#include "gateway/exit_codes.hpp"
#include "gateway/mover/catalog_reader.hpp"
#include "gateway/mover/schema_check.hpp"
#include "gateway/mover/schema_infer.hpp"
#include "gateway/mover/schema_writer.hpp"
#include "gateway/mover/traversal_plan.hpp"

namespace gangway::mover {
namespace {

namespace fs = std::filesystem;


struct schema_options {
    std::string config_path;
    std::string schema_path;
    std::string root;
    std::string output;
    bool force = false;
};

// The gateway config and the live catalog of its [database], or an exit code.
struct live_database {
    config_ptr cfg;
    database_catalog catalog;
};

std::optional<live_database> read_live(const std::string& verb, const std::string& config_path,
                                       int& code) {
    auto loaded = load_config(config_path);
    for (const auto& e : loaded.errors) std::cerr << e.to_string() << "\n";
    if (!loaded.value) {
        code = exit_usage;
        return std::nullopt;
    }
    if (!loaded.value->database) {
        std::cerr << "gangway schema " << verb << ": the config has no [database] section\n";
        code = exit_usage;
        return std::nullopt;
    }
    database_config db_cfg = *loaded.value->database;
    db_cfg.pool_size = 1;
    db_pool db(db_cfg);
    auto catalog =
        db.run_blocking([&](sql::Connection& c) { return read_catalog(c, db_cfg.name); });
    if (!catalog) {
        std::cerr << "gangway schema " << verb << ": " << catalog.message << "\n";
        code = exit_failed;
        return std::nullopt;
    }
    return live_database{loaded.value, std::move(*catalog.value)};
}

// The root to infer from: --root, else guessed from [login]; nullopt when neither works.
std::optional<root_guess> choose_root(const schema_options& o, const live_database& live) {
    if (!o.root.empty()) {
        if (live.catalog.find(o.root)) return root_guess{o.root, "given with --root"};
        std::cerr << "gangway schema infer: --root: no table " << o.root << " in database "
                  << live.catalog.schema << "\n";
        return std::nullopt;
    }
    auto guess = guess_root(live.catalog, live.cfg->login);
    if (!guess) {
        std::cerr << "gangway schema infer: cannot tell which table holds the accounts (no "
                     "foreign key from [login] users_table's account column, no table named "
                     "after it): pass --root TABLE\n";
    }
    return guess;
}

// Writes text to path through a temporary file and a rename, so a failed write never leaves
// half a model behind; an existing file is kept unless force.
bool write_file(const std::string& path, const std::string& text, bool force) {
    std::error_code ec;
    if (!force && fs::exists(path, ec)) {
        std::cerr << "gangway schema infer: " << path << " exists; pass --force to replace it\n";
        return false;
    }
    const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out.flush()) {
            std::cerr << "gangway schema infer: cannot write " << temporary << "\n";
            fs::remove(temporary, ec);
            return false;
        }
    }
    fs::rename(temporary, path, ec);
    if (ec) {
        std::cerr << "gangway schema infer: cannot write " << path << ": " << ec.message() << "\n";
        fs::remove(temporary, ec);
        return false;
    }
    return true;
}

void summarize(const inferred_schema& inferred, const root_guess& root) {
    const schema_model& m = inferred.model;
    std::size_t shared = 0;
    for (const auto& [name, rules] : m.tables) shared += rules.shared ? 1 : 0;
    std::cerr << "root " << m.root_table << " (" << root.reason << "); " << inferred.foreign_keys
              << " foreign keys became relationships; " << shared << " shared tables; "
              << m.excluded.size()
              << " tables excluded as not reachable from the root: review them\n";
    for (const auto& note : inferred.notes) std::cerr << "note: " << note << "\n";
}

int run_infer(const schema_options& o) {
    int code = exit_ok;
    auto live = read_live("infer", o.config_path, code);
    if (!live) return code;
    const auto root = choose_root(o, *live);
    if (!root) return exit_usage;
    const infer_result inferred = infer_schema(live->catalog, root->table);
    if (!inferred.value) {
        std::cerr << "gangway schema infer: " << inferred.error << "\n";
        return exit_usage;
    }
    const std::string text = write_schema_toml(
        inferred.value->model,
        {"Written by `gangway schema infer` from the foreign keys of database " +
             live->catalog.schema + ".",
         "A starting point: review every relationship, shared table and exclusion, add what",
         "foreign keys cannot say (polymorphic and join-table relationships, cleansing), then",
         "run `gangway schema check`. The format: docs/mover.md."},
        inferred.value->notes);
    if (o.output.empty()) {
        std::cout << text;
    } else if (!write_file(o.output, text, o.force)) {
        return exit_failed;
    }
    summarize(*inferred.value, *root);
    return exit_ok;
}

void print_plan(const traversal_plan& plan) {
    std::cout << "visit order:";
    for (std::size_t i = 0; i < plan.order.size(); ++i) {
        std::cout << (i ? ", " : " ") << plan.order[i].table;
    }
    std::cout << "\n";
    for (const auto& cycle : plan.cycles) std::cout << describe_cycle(plan, cycle) << "\n";
}

int run_check(const schema_options& o) {
    const schema_result model = load_schema_model(o.schema_path);
    for (const auto& e : model.errors) std::cerr << e.to_string() << "\n";
    if (!model.value) {
        std::cerr << model.errors.size() << " error(s) in " << o.schema_path << "\n";
        return exit_usage;
    }
    int code = exit_ok;
    auto live = read_live("check", o.config_path, code);
    if (!live) return code;
    const traversal_plan plan = plan_traversal(*model.value);
    print_plan(plan);
    const auto problems = check_schema(*model.value, plan, live->catalog);
    for (const auto& p : problems) std::cerr << p.to_string() << "\n";
    if (!problems.empty()) {
        std::cerr << problems.size() << " problem(s) in " << o.schema_path << " against database "
                  << live->catalog.schema << "\n";
        return exit_failed;
    }
    std::cout << "schema OK: " << plan.order.size() << " tables copied, "
              << model.value->excluded.size() << " excluded, " << plan.cycles.size()
              << " cycle(s) ended by the key cache\n";
    return exit_ok;
}

}  // namespace

void add_schema_command(CLI::App& app, int& result) {
    auto* schema = app.add_subcommand("schema", "the table graph of an account: infer|check");
    schema->require_subcommand(1);
    auto o = std::make_shared<schema_options>();

    auto* infer = schema->add_subcommand("infer", "write a starting model from foreign keys");
    infer->add_option("--config", o->config_path, "gateway config (TOML)")->required();
    infer->add_option("--root", o->root, "the accounts table (default: guessed from [login])");
    infer->add_option("-o,--output", o->output, "write the model here (default: stdout)");
    infer->add_flag("--force", o->force, "replace an existing output file");
    infer->callback([o, &result] { result = run_infer(*o); });

    auto* check = schema->add_subcommand("check", "validate a model against the live database");
    check->add_option("--config", o->config_path, "gateway config (TOML)")->required();
    check->add_option("--schema", o->schema_path, "schema model (TOML)")->required();
    check->callback([o, &result] { result = run_check(*o); });
}

}  // namespace gangway::mover
