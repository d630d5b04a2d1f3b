#pragma once

#include <ostream>
#include <string>

#include <CLI/CLI.hpp>

namespace gangway {

// `gangway keys generate`: prints one new key line, "<key id> <base64 32 random bytes>", for
// a keys file (session.keys_file, session.assertion_keys_file). The line goes first in the
// file: the newest key seals, older ones keep opening until removed.
void add_keys_command(CLI::App& app, int& result);

// The work of `gangway keys generate`: writes "<id_prefix>YYYYMMDD-<6 hex> <base64 key>" (UTC
// date) to `out` and a reminder to put it first to stderr. Returns the exit code: 0, 1 without
// randomness, 2 when the prefix makes an invalid key id (more than 17 characters, or outside
// A-Z a-z 0-9 _ -).
int run_keys_generate(std::ostream& out, std::string id_prefix);

}  // namespace gangway
