#pragma once

// Cleansing for `gangway dump --cleanse` and (next) `gangway migrate --rehearsal`: the rules
// the model declares per column (docs/mover.md), applied to the rows the walker found.
//
// Every keyed rule is HMAC-SHA-256 under the cleansing key of the value alone (the exact text
// the walker read: "42" for an integer, the characters of a string), never of the table or the
// row, so equal values cleanse to equal values everywhere and cleansed keys still join. Every
// rule leaves NULL as NULL.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/mover/schema_model.hpp"
#include "gateway/mover/table_layout.hpp"

namespace gangway::mover {

inline constexpr std::size_t min_cleansing_key_bytes = 16;

struct cleansing_key_result {
    std::optional<std::string> key;
    std::string error;  // what is missing and where to put it
};

// The key from the model's [cleansing] source: the file's contents or the environment
// variable's value, trailing newlines dropped; at least min_cleansing_key_bytes.
cleansing_key_result load_cleansing_key(const cleansing_key_source& source);

std::array<unsigned char, 32> keyed_hash(std::string_view key, std::string_view value);
std::string keyed_hash_hex(std::string_view key, std::string_view value);  // 64 lower-case hex

// u<first 16 hex digits of the keyed hash>@example.invalid
std::string cleansed_email(std::string_view key, std::string_view value);
// A made-up "First Last" chosen by the keyed hash.
std::string cleansed_name(std::string_view key, std::string_view value);
// For integer columns (column_type "int(10) unsigned"): 1 + the hash's first 8 bytes modulo
// the column's largest value, so it is positive and fits.
std::string cleansed_integer(std::string_view key, std::string_view value,
                             std::string_view column_type);

// The cleansed value of one field under one rule.
row_field cleanse_field(const cleanse_rule& rule, const layout_column& column,
                        std::string_view key, const row_field& value);

// The rules of every table, applied page by page.
class row_cleanser {
public:
    row_cleanser(const schema_model& model, std::string key);

    void cleanse(const table_layout& table, std::vector<table_row>& rows) const;

private:
    const schema_model& model_;
    std::string key_;
};

}  // namespace gangway::mover
