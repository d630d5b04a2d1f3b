#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/config/config.hpp"

namespace gangway {

// One problem found while loading, with the dotted key path it concerns
// ("upstream.servers[1]: port must be 1..65535").
struct config_error {
    std::string key_path;
    std::string message;
    std::string to_string() const { return key_path.empty() ? message : key_path + ": " + message; }
};

struct config_result {
    config_ptr value;                  // null when errors is not empty
    std::vector<config_error> errors;  // every problem found, in document order
};

// Parses TOML text and validates every field. Never throws; never puts secret values in errors.
// source_path is used for messages and to resolve relative file paths (certs, token files).
config_result parse_config(std::string_view toml_text, const std::string& source_path);

// Reads the file and calls parse_config. A missing or unreadable file is one error.
config_result load_config(const std::string& path);

}  // namespace gangway
