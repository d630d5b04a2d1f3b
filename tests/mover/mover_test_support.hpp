#pragma once

// Paths and fixtures shared by the mover's tests (unit and database).

#include <string>
#include <string_view>

namespace gangway::mover::testing {

// A valid model with nothing but a root, written so that TOML appended to it lands at the top
// level (the root is an inline table, not a [root] section the text would continue).
inline constexpr std::string_view minimal_model =
    "format = 1\nroot = { table = \"accounts\", key = \"id\" }\n";

// The repository root, compiled in (GANGWAY_SOURCE_DIR).
inline std::string source_dir() { return GANGWAY_SOURCE_DIR; }
// Built with append: GCC 12 warns (-Warray-bounds, a false positive) on operator+ chains.
inline std::string example_model_path() { return source_dir().append("/conf/schema.example.toml"); }
inline std::string example_app_sql_path() { return source_dir().append("/tests/mover/example_app.sql"); }

}  // namespace gangway::mover::testing
