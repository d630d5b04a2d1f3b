#pragma once

#include <CLI/CLI.hpp>

namespace gangway {

// `gangway db init|upgrade --config FILE`: creates or upgrades gangway's own tables on this
// site's database (the config's [database]) from the migrations built into the binary.
// init and upgrade do the same, idempotently; init is the name for a new database.
void add_db_command(CLI::App& app, int& result);

}  // namespace gangway
