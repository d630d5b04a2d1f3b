#include "gateway/mover/row_cleanser.hpp"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace gangway::mover {
namespace {

constexpr std::array<std::string_view, 16> first_names{
    "Ada",   "Ben",  "Chloe", "Dev",   "Elena", "Farid", "Grace", "Hiro",
    "Ines",  "Jon",  "Kemal", "Lena",  "Mateo", "Nora",  "Omar",  "Priya"};
constexpr std::array<std::string_view, 16> last_names{
    "Adler", "Baker",  "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hansen",
    "Ivanov", "Jensen", "Kato",  "Larsen", "Moreau", "Novak",  "Okafor", "Petrov"};

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

std::string cut(std::string s, std::uint64_t max_length) {
    if (max_length != 0 && s.size() > max_length) s.resize(max_length);
    return s;
}

// The largest value an integer column holds, from its COLUMN_TYPE.
std::uint64_t integer_max(std::string_view column_type) {
    const bool is_unsigned = column_type.find("unsigned") != std::string_view::npos;
    unsigned bits = 32;
    if (column_type.starts_with("tinyint")) bits = 8;
    else if (column_type.starts_with("smallint")) bits = 16;
    else if (column_type.starts_with("mediumint")) bits = 24;
    else if (column_type.starts_with("bigint")) bits = 64;
    if (!is_unsigned) --bits;
    return bits == 64 ? std::numeric_limits<std::uint64_t>::max() : (std::uint64_t{1} << bits) - 1;
}

}  // namespace

cleansing_key_result load_cleansing_key(const cleansing_key_source& source) {
    cleansing_key_result out;
    std::string key;
    if (!source.file.empty()) {
        std::ifstream in(source.file, std::ios::binary);
        if (!in) {
            out.error = "cleansing.key_file: cannot read " + source.file;
            return out;
        }
        key = trimmed({std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()});
    } else if (!source.env.empty()) {
        const char* value = std::getenv(source.env.c_str());
        if (!value) {
            out.error = "cleansing.key_env: the environment variable " + source.env + " is not set";
            return out;
        }
        key = trimmed(value);
    } else {
        out.error = "cleansing: the model names no key (key_file or key_env): cleansing needs one";
        return out;
    }
    if (key.size() < min_cleansing_key_bytes) {
        out.error.append("cleansing: the key is shorter than ")
            .append(std::to_string(min_cleansing_key_bytes))
            .append(" bytes");
        return out;
    }
    out.key.emplace(std::move(key));
    return out;
}

std::array<unsigned char, 32> keyed_hash(std::string_view key, std::string_view value) {
    std::array<unsigned char, 32> out{};
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(value.data()), value.size(), out.data(), &length);
    return out;
}

std::string keyed_hash_hex(std::string_view key, std::string_view value) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char b : keyed_hash(key, value)) {
        out += digits[b >> 4];
        out += digits[b & 0x0f];
    }
    return out;
}

std::string cleansed_email(std::string_view key, std::string_view value) {
    return "u" + keyed_hash_hex(key, value).substr(0, 16) + "@example.invalid";
}

std::string cleansed_name(std::string_view key, std::string_view value) {
    const auto h = keyed_hash(key, value);
    return std::string(first_names[h[0] % first_names.size()]) + " " +
           std::string(last_names[h[1] % last_names.size()]);
}

std::string cleansed_integer(std::string_view key, std::string_view value,
                             std::string_view column_type) {
    const auto h = keyed_hash(key, value);
    std::uint64_t n = 0;
    for (std::size_t i = 0; i < 8; ++i) n = (n << 8) | h[i];
    return std::to_string(1 + n % integer_max(column_type));
}

row_field cleanse_field(const cleanse_rule& rule, const layout_column& column,
                        std::string_view key, const row_field& value) {
    if (!value) return value;
    switch (rule.kind) {
        case cleanse_kind::email: return cleansed_email(key, *value);
        case cleanse_kind::fake_name: return cut(cleansed_name(key, *value), column.max_length);
        case cleanse_kind::keyed_hash:
            if (column.kind == value_kind::integer) {
                return cleansed_integer(key, *value, column.column_type);
            }
            return cut(keyed_hash_hex(key, *value), column.max_length);
        case cleanse_kind::null: return std::nullopt;
        case cleanse_kind::constant:
            if (const auto* i = std::get_if<std::int64_t>(&rule.constant)) return std::to_string(*i);
            return std::get<std::string>(rule.constant);
    }
    return value;
}

row_cleanser::row_cleanser(const schema_model& model, std::string key)
    : model_(model), key_(std::move(key)) {}

void row_cleanser::cleanse(const table_layout& table, std::vector<table_row>& rows) const {
    const auto rules = model_.tables.find(table.name);
    if (rules == model_.tables.end()) return;
    for (const auto& rule : rules->second.cleanse) {
        const auto column = table.find(rule.column);
        if (!column) continue;  // build_layouts refused the model
        for (auto& row : rows) {
            row[*column] = cleanse_field(rule, table.columns[*column], key_, row[*column]);
        }
    }
}

}  // namespace gangway::mover
