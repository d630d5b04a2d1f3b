#pragma once

// The exit codes of every gangway command (PRODUCT.md, "Command line").
namespace gangway {

inline constexpr int exit_ok = 0;      // done
inline constexpr int exit_failed = 1;  // failed; nothing half-done is left behind
inline constexpr int exit_usage = 2;   // bad usage or config

}  // namespace gangway
