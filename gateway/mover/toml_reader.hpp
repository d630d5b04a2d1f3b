#pragma once

// Reading a TOML document while collecting every problem with its key path, the way
// common/config/config_loader.cpp does for the gateway config (its helpers are private to it).
// Messages quote key names, never values.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "common/config/config_loader.hpp"
#include "common/config/toml_text.hpp"

namespace gangway::mover {

// Problems with the source position they concern, so they come out in document order even
// though sections are read in schema order; those without a position come last.
class toml_problems {
public:
    void add(const toml::source_region& where, std::string key_path, std::string message);
    void add(const toml::node* where, std::string key_path, std::string message);
    bool empty() const noexcept { return entries_.empty(); }
    std::vector<config_error> in_document_order() &&;

private:
    struct entry {
        std::uint32_t line;
        std::uint32_t column;
        config_error error;
    };
    std::vector<entry> entries_;
};

// Key paths as config errors write them (common/config/toml_text.hpp).
using gangway::toml_child_path;
using gangway::toml_element_path;
using gangway::toml_key_text;

using key_list = std::span<const std::string_view>;

// A TOML table with its dotted key path; every read reports its own problems and returns
// nullopt (or null) when the key is absent or wrong.
class toml_section {
public:
    toml_section(const toml::table& table, std::string path, toml_problems& problems)
        : table_(&table), path_(std::move(path)), problems_(&problems) {}

    const toml::table& table() const noexcept { return *table_; }
    const std::string& path() const noexcept { return path_; }
    std::string key_path(std::string_view key) const { return toml_child_path(path_, key); }
    const toml::node* get(std::string_view key) const { return table_->get(key); }

    // A problem about key (at the key's value, or at this table when the key is absent).
    void add(std::string_view key, std::string message) const;
    void add_here(std::string message) const;  // about this table itself
    // A problem about a node below this table (an array element, an inline table's value).
    void add_at(const toml::node& node, std::string key_path, std::string message) const;
    void report_unknown_keys(key_list known) const;
    // A key that must be present: reports "required" when it is not.
    bool require(std::string_view key) const;

    std::optional<toml_section> section(std::string_view key, key_list known) const;
    std::optional<std::string> string(std::string_view key) const;
    std::optional<bool> boolean(std::string_view key) const;
    std::optional<std::int64_t> integer(std::string_view key, std::int64_t low,
                                        std::int64_t high) const;
    const toml::array* array(std::string_view key, std::string_view what) const;

private:
    const toml::table* table_;
    std::string path_;
    toml_problems* problems_;
};

// Parses text with toml++, bounded in size; a syntax error becomes the one problem.
struct toml_document {
    std::optional<toml::table> root;
    std::optional<config_error> error;
};
toml_document parse_toml(std::string_view text, const std::string& source_path,
                         std::size_t max_bytes);

}  // namespace gangway::mover
