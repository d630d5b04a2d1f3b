#pragma once

#include <CLI/CLI.hpp>

namespace gangway::mover {

// `gangway dump --config FILE --schema FILE [--cleanse] [--chunks N] -o PATH ACCOUNT...`:
// the accounts' rows, found by the row walker in the config's [database], as SQL files the
// stock mariadb client imports (docs/mover.md, "gangway dump").
// Exit codes: 0 written; 1 the database failed, an account has no row, a relationship reached
// another account, or a file could not be written (nothing is left behind); 2 bad usage,
// config, model or cleansing key.
void add_dump_command(CLI::App& app, int& result);

}  // namespace gangway::mover
