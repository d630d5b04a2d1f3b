#pragma once

#include <CLI/CLI.hpp>

namespace gangway::mover {

// `gangway schema infer --config FILE [--root TABLE] [-o FILE] [--force]`: a starting model
// from the foreign keys of the config's [database].
// `gangway schema check --config FILE --schema FILE`: the model against that database.
// Exit codes: 0 done / clean, 1 problems found or the database failed, 2 bad usage or config.
void add_schema_command(CLI::App& app, int& result);

}  // namespace gangway::mover
