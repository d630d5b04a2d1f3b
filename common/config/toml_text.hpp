#pragma once

#include <cstddef>
#include <string>
#include <string_view>

// Writing TOML text: for key paths in error messages (config, schema models) and for files
// gangway writes (schema infer). Shared so both speak TOML the same way.
namespace gangway {

// A-Z a-z 0-9 _ - : what a bare key may hold.
bool is_bare_key_char(char c) noexcept;

// A TOML basic string: quoted, with '"', '\\' and control bytes escaped, so any text survives
// a round trip and no odd value can put line breaks or terminal escapes into a message.
std::string toml_basic_string(std::string_view s);

// A key as TOML would write it: bare when possible, else a basic string.
std::string toml_key_text(std::string_view key);

// "parent.key" (just "key" at the top), and "path[index]".
std::string toml_child_path(std::string_view parent, std::string_view key);
std::string toml_element_path(std::string_view array_path, std::size_t index);

}  // namespace gangway
