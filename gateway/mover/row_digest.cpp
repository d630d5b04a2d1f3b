#include "gateway/mover/row_digest.hpp"

#include <algorithm>
#include <set>

#include "gateway/mover/row_cleanser.hpp"
#include "gateway/mover/sql_lookup.hpp"

namespace gangway::mover {
namespace {

// MD5(CONCAT(part, ...)), each part IFNULL(CONCAT(LENGTH(b), ':', b), 'N') of the column's
// exact text as bytes (binary, so columns of different collations never clash in CONCAT).
std::string digest_expression(const table_layout& t) {
    std::string parts;
    for (const auto& c : t.columns) {
        const std::string b = "CAST(" + select_expression(c) + " AS BINARY)";
        parts += (parts.empty() ? "" : ", ") + ("IFNULL(CONCAT(LENGTH(" + b + "), ':', " + b +
                                               "), 'N')");
    }
    return "MD5(CONCAT(" + parts + "))";
}

std::string example_key(const std::string& table, const std::vector<std::string>& key) {
    std::string out = table + " (";
    for (std::size_t i = 0; i < key.size(); ++i) out += (i ? ", " : "") + key[i];
    return out + ")";
}

}  // namespace

table_layout with_digest(table_layout t) {
    layout_column digest;
    digest.name = std::string(digest_column_name);
    digest.kind = value_kind::text;
    digest.generated = true;
    digest.expression = digest_expression(t);
    t.columns.push_back(std::move(digest));
    return t;
}

std::size_t digest_index(const table_layout& t) { return *t.find(digest_column_name); }

namespace {

// `from` with only the wanted columns (and the digest, when it has one), the key remapped.
table_layout keep_columns(const table_layout& from, const table_layout& original,
                          const std::set<std::string>& wanted) {
    table_layout out = from;
    out.columns.clear();
    out.key.clear();
    for (const auto& c : from.columns) {
        if (wanted.count(c.name) || c.name == digest_column_name) out.columns.push_back(c);
    }
    for (std::size_t k : original.key) out.key.push_back(*out.find(original.columns[k].name));
    return out;
}

std::set<std::string> walk_columns(const std::string& name, const table_layout& layout,
                                   const schema_model& model, const traversal_plan& plan,
                                   const std::map<std::string, std::vector<std::string>>& extra) {
    std::set<std::string> wanted;
    for (std::size_t k : layout.key) wanted.insert(layout.columns[k].name);
    for (auto& c : columns_used(plan, name)) wanted.insert(std::move(c));
    if (name == model.root_table) wanted.insert(model.root_key);
    if (auto e = extra.find(name); e != extra.end()) wanted.insert(e->second.begin(), e->second.end());
    return wanted;
}

}  // namespace

layout_map digest_layouts(const layout_map& full, const schema_model& model,
                          const traversal_plan& plan, bool lean,
                          const std::map<std::string, std::vector<std::string>>& extra) {
    layout_map out;
    for (const auto& [name, layout] : full) {
        table_layout with = with_digest(layout);
        if (!lean) {
            out.emplace(name, std::move(with));
            continue;
        }
        out.emplace(name, keep_columns(with, layout, walk_columns(name, layout, model, plan, extra)));
    }
    return out;
}

layout_map walk_layouts(const layout_map& full, const schema_model& model,
                        const traversal_plan& plan,
                        const std::map<std::string, std::vector<std::string>>& extra) {
    layout_map out;
    for (const auto& [name, layout] : full) {
        out.emplace(name, keep_columns(layout, layout, walk_columns(name, layout, model, plan, extra)));
    }
    return out;
}

void collect_digests(const table_layout& t, const std::vector<table_row>& rows,
                     table_digests& into) {
    const auto digest = t.find(digest_column_name);
    for (const auto& r : rows) {
        auto key = key_of(t, r);
        if (into.by_key.emplace(encode_values(key), digest ? r[*digest].value_or("") : "").second) {
            into.keys.push_back(std::move(key));
        }
    }
}

std::string table_checksum(const table_digests& digests) {
    std::string all;
    all.reserve(digests.by_key.size() * 32);
    for (const auto& [key, digest] : digests.by_key) all += digest;
    return keyed_hash_hex("gangway table checksum", all).substr(0, 32);
}

std::vector<table_difference> compare_digests(const layout_map& layouts,
                                              const account_digests& source,
                                              const account_digests& destination) {
    static const table_digests none;
    std::set<std::string, std::less<>> tables;
    for (const auto& [name, d] : source) tables.insert(name);
    for (const auto& [name, d] : destination) tables.insert(name);
    std::vector<table_difference> out;
    for (const auto& name : tables) {
        const auto s = source.find(name);
        const auto d = destination.find(name);
        const table_digests& from = s == source.end() ? none : s->second;
        const table_digests& to = d == destination.end() ? none : d->second;
        const auto layout = layouts.find(name);
        const bool by_key_only = layout != layouts.end() && layout->second.shared;
        table_difference diff{name, from.by_key.size(), to.by_key.size(), 0, 0, 0, {}};
        for (const auto& key : from.keys) {
            const auto there = to.by_key.find(encode_values(key));
            if (there == to.by_key.end()) {
                ++diff.missing;
            } else if (!by_key_only && there->second != from.by_key.at(encode_values(key))) {
                ++diff.different;
            } else {
                continue;
            }
            if (diff.example.empty()) diff.example = example_key(name, key);
        }
        for (const auto& key : to.keys) {
            if (from.by_key.count(encode_values(key))) continue;
            ++diff.extra;
            if (diff.example.empty()) diff.example = example_key(name, key);
        }
        if (diff.missing || diff.extra || diff.different) out.push_back(std::move(diff));
    }
    return out;
}

}  // namespace gangway::mover
