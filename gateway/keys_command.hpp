#pragma once

#include <CLI/CLI.hpp>

namespace gangway {

// `gangway keys generate`: prints one new key line, "<key id> <base64 32 random bytes>", for
// a keys file (session.keys_file, session.assertion_keys_file). The line goes first in the
// file: the newest key seals, older ones keep opening until removed.
void add_keys_command(CLI::App& app, int& result);

}  // namespace gangway
