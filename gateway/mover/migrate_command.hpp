#pragma once

#include <CLI/CLI.hpp>

namespace gangway::mover {

// `gangway migrate --config FILE --schema FILE --to SITE [--jobs N]
//  [--resume | --abort | --rehearsal [--scratch DB]] ACCOUNT...` (docs/mover.md,
// "gangway migrate"): moves each account from this config's site to SITE, one after the other.
// Exit codes: 0 every account moved (or already was, or rehearsed, or aborted); 1 a move
// failed or was refused (the message says the account's state and what to run next); 2 bad
// usage, config or model.
void add_migrate_command(CLI::App& app, int& result);

}  // namespace gangway::mover
