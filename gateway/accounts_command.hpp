#pragma once

#include <CLI/CLI.hpp>

namespace gangway {

// `gangway accounts list|show|add|lock|unlock|set|audit`: operators see and change placement
// on this site's database (the config's [database]). `lock` returns only when the fence holds.
// Exit codes: 0 done, 1 failed (nothing half-done: the message says the account's state),
// 2 bad usage or config.
void add_accounts_command(CLI::App& app, int& result);

}  // namespace gangway
