// gangway: wires the command line to the gateway and (later) the mover. Nothing else lives
// here.
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "common/config/config_loader.hpp"
#include "gateway/accounts_command.hpp"
#include "gateway/db_command.hpp"
#include "gateway/exit_codes.hpp"
#include "gateway/keys_command.hpp"
#include "gateway/mover/dump_command.hpp"
#include "gateway/mover/migrate_command.hpp"
#include "gateway/mover/schema_command.hpp"
#include "gateway/server/serve_command.hpp"

namespace {

using gangway::exit_ok;
using gangway::exit_usage;

int check_config(const std::string& path) {
    auto loaded = gangway::load_config(path);
    for (const auto& e : loaded.errors) std::cerr << e.to_string() << "\n";
    if (!loaded.value) {
        std::cerr << loaded.errors.size() << " error(s) in " << path << "\n";
        return exit_usage;
    }
    std::cout << "config OK: " << loaded.value->source_path << "\n";
    return exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"gangway: move customers between infrastructures one account at a time"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "gangway " GANGWAY_VERSION);
    int result = exit_ok;

    gangway::serve_options serve;
    auto* serve_cmd = app.add_subcommand("serve", "run a gateway instance");
    serve_cmd->add_option("--config", serve.config_path, "config file (TOML)")->required();
    serve_cmd->add_option("--ready-file", serve.ready_file,
                          "write {pid, ports} as JSON here once listening");
    serve_cmd->callback([&] { result = gangway::run_serve(serve); });

    std::string check_path;
    auto* check_cmd = app.add_subcommand("check-config", "validate a config, print every error");
    check_cmd->add_option("--config", check_path, "config file (TOML)")->required();
    check_cmd->callback([&] { result = check_config(check_path); });

    gangway::add_db_command(app, result);
    gangway::add_accounts_command(app, result);
    gangway::add_keys_command(app, result);
    gangway::mover::add_schema_command(app, result);
    gangway::mover::add_dump_command(app, result);
    gangway::mover::add_migrate_command(app, result);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return exit_usage;
    }
    return result;
}
