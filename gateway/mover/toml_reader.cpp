#include "gateway/mover/toml_reader.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <limits>
#include <utility>

namespace gangway::mover {
namespace {

std::uint32_t position_of(toml::source_index index) {
    return index == 0 ? std::numeric_limits<std::uint32_t>::max() : index;
}

std::string range_text(std::int64_t low, std::int64_t high) {
    return "must be an integer " + std::to_string(low) + ".." + std::to_string(high);
}

}  // namespace

void toml_problems::add(const toml::source_region& where, std::string key_path,
                        std::string message) {
    entries_.push_back({position_of(where.begin.line), position_of(where.begin.column),
                        config_error{std::move(key_path), std::move(message)}});
}

void toml_problems::add(const toml::node* where, std::string key_path, std::string message) {
    add(where ? where->source() : toml::source_region{}, std::move(key_path), std::move(message));
}

std::vector<config_error> toml_problems::in_document_order() && {
    std::stable_sort(entries_.begin(), entries_.end(), [](const entry& a, const entry& b) {
        return std::pair{a.line, a.column} < std::pair{b.line, b.column};
    });
    std::vector<config_error> out;
    out.reserve(entries_.size());
    for (auto& e : entries_) out.push_back(std::move(e.error));
    return out;
}


void toml_section::add(std::string_view key, std::string message) const {
    const toml::node* node = get(key);
    problems_->add(node ? node : static_cast<const toml::node*>(table_), key_path(key),
                   std::move(message));
}

void toml_section::add_here(std::string message) const {
    problems_->add(table_, path_, std::move(message));
}

void toml_section::add_at(const toml::node& node, std::string key_path, std::string message) const {
    problems_->add(&node, std::move(key_path), std::move(message));
}

void toml_section::report_unknown_keys(key_list known) const {
    for (const auto& [key, node] : *table_) {
        if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
            problems_->add(key.source(), key_path(key.str()), "unknown key");
        }
    }
}

bool toml_section::require(std::string_view key) const {
    if (get(key)) return true;
    add(key, "required");
    return false;
}

std::optional<toml_section> toml_section::section(std::string_view key, key_list known) const {
    const toml::node* node = get(key);
    if (!node) return std::nullopt;
    const toml::table* table = node->as_table();
    if (!table) {
        add(key, "must be a table");
        return std::nullopt;
    }
    toml_section view(*table, key_path(key), *problems_);
    view.report_unknown_keys(known);
    return view;
}

std::optional<std::string> toml_section::string(std::string_view key) const {
    const toml::node* node = get(key);
    if (!node) return std::nullopt;
    if (const auto* value = node->as_string()) return value->get();
    add(key, "must be a string");
    return std::nullopt;
}

std::optional<bool> toml_section::boolean(std::string_view key) const {
    const toml::node* node = get(key);
    if (!node) return std::nullopt;
    if (const auto* value = node->as_boolean()) return value->get();
    add(key, "must be true or false");
    return std::nullopt;
}

std::optional<std::int64_t> toml_section::integer(std::string_view key, std::int64_t low,
                                                  std::int64_t high) const {
    const toml::node* node = get(key);
    if (!node) return std::nullopt;
    const auto* integer = node->as_integer();
    if (!integer || integer->get() < low || integer->get() > high) {
        add(key, range_text(low, high));
        return std::nullopt;
    }
    return integer->get();
}

const toml::array* toml_section::array(std::string_view key, std::string_view what) const {
    const toml::node* node = get(key);
    if (!node) return nullptr;
    if (const auto* value = node->as_array()) return value;
    add(key, "must be " + std::string(what));
    return nullptr;
}

toml_document parse_toml(std::string_view text, const std::string& source_path,
                         std::size_t max_bytes) {
    toml_document out;
    if (text.size() > max_bytes) {
        out.error = config_error{{}, "file is larger than " + std::to_string(max_bytes) + " bytes"};
        return out;
    }
    try {
        out.root = toml::parse(text, std::string_view{source_path});
    } catch (const toml::parse_error& e) {
        out.error = config_error{{},
                                 "syntax error at line " + std::to_string(e.source().begin.line) +
                                     ", column " + std::to_string(e.source().begin.column) + ": " +
                                     std::string(e.description())};
    }
    return out;
}

}  // namespace gangway::mover
