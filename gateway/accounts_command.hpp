#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace gangway {

// `gangway accounts list|show|add|lock|unlock|set|audit`: operators see and change placement
// on this site's database (the config's [database]). `lock` returns only when the fence holds.
// Exit codes: 0 done, 1 failed (nothing half-done: the message says the account's state),
// 2 bad usage or config.
void add_accounts_command(CLI::App& app, int& result);

// Who the audit log names for a command run by hand: "cli:<user>@<host>" (the sudo caller,
// else $USER, else the account the process runs as).
std::string default_actor();

}  // namespace gangway
