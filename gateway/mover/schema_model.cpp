#include "gateway/mover/schema_model.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <map>
#include <new>
#include <utility>

#include "gateway/mover/toml_reader.hpp"

// Error wording is fixed per kind of problem, as in the gateway config loader, so tests and
// tools can match it; docs/mover.md lists the rules. Messages name keys, tables and columns
// (the model's own words), never cleansing constants or key files' contents.
namespace gangway::mover {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t max_schema_bytes = std::size_t{1024} * 1024;
constexpr std::int64_t max_batch_rows = 100'000;
constexpr std::int64_t max_lookup_batch = 10'000;
constexpr std::int64_t max_dump_chunks = 256;

constexpr std::string_view identifier_rule =
    "must be an SQL identifier: 1..64 characters of A-Z a-z 0-9 _ $";
constexpr std::string_view column_ref_rule =
    "must be \"table.column\" or an array of them, all of one table";

// Identifiers are quoted with backticks when the mover builds SQL; refusing everything else
// (dots above all) keeps "table.column" unambiguous and messages printable.
bool is_identifier(std::string_view s) {
    return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '$';
    });
}

bool is_env_name(std::string_view s) {
    return !s.empty() && !(s[0] >= '0' && s[0] <= '9') &&
           std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_';
           });
}

bool is_keyed(cleanse_kind k) {
    return k == cleanse_kind::email || k == cleanse_kind::keyed_hash ||
           k == cleanse_kind::fake_name;
}

std::optional<cleanse_kind> cleanse_kind_from(std::string_view name) {
    if (name == "email") return cleanse_kind::email;
    if (name == "hash") return cleanse_kind::keyed_hash;
    if (name == "name") return cleanse_kind::fake_name;
    if (name == "null") return cleanse_kind::null;
    return std::nullopt;
}

// A value read from the document with the node it came from, for positions in messages.
template <class T>
struct located {
    T value;
    const toml::node* node;
    std::string path;
};

// Walks one parsed document in schema order, filling a model and recording every problem.
// Checks that need several parts (references, cleansing across joins) run after the walk.
class schema_builder {
public:
    schema_builder(fs::path base_dir, toml_problems& problems)
        : base_dir_(std::move(base_dir)), problems_(problems) {}

    void build(const toml::table& document, schema_model& out) {
        static constexpr std::array<std::string_view, 9> known{
            "format",  "root",   "defaults",      "dump",    "cleansing",
            "end_sql", "tables", "relationships", "excluded"};
        const toml_section root(document, "", problems_);
        root.report_unknown_keys(known);
        read_format(root);
        read_root(root, out);
        read_defaults(root, out);
        read_dump(root, out);
        read_cleansing(root, out);
        read_end_sql(root, out);
        read_tables(root, out);
        read_relationships(root, out);
        read_excluded(root, out);
        check_root(out);
        check_tables(out);
        for (std::size_t i = 0; i < out.relationships.size(); ++i) {
            check_relationship(out, out.relationships[i], relationship_nodes_[i]);
        }
        check_cleansing_key(out);
    }

private:
    // ---- top-level sections ----

    void read_format(const toml_section& root) {
        if (!root.require("format")) return;
        const toml::node* node = root.get("format");
        if (const auto* v = node->as_integer(); !v || v->get() != 1) {
            root.add("format", "must be 1 (the only format this gangway reads)");
        }
    }

    void read_root(const toml_section& doc, schema_model& out) {
        static constexpr std::array<std::string_view, 2> known{"table", "key"};
        if (!doc.require("root")) return;
        const auto root = doc.section("root", known);
        if (!root) return;
        root_node_ = root->get("table");
        if (root->require("table")) read_identifier(*root, "table", out.root_table);
        if (root->require("key")) read_identifier(*root, "key", out.root_key);
    }

    void read_defaults(const toml_section& doc, schema_model& out) {
        static constexpr std::array<std::string_view, 2> known{"batch_rows", "lookup_batch"};
        const auto defaults = doc.section("defaults", known);
        if (!defaults) return;
        if (auto v = defaults->integer("batch_rows", 1, max_batch_rows)) out.batch_rows = *v;
        if (auto v = defaults->integer("lookup_batch", 1, max_lookup_batch)) out.lookup_batch = *v;
    }

    void read_dump(const toml_section& doc, schema_model& out) {
        static constexpr std::array<std::string_view, 1> known{"chunks"};
        const auto dump = doc.section("dump", known);
        if (!dump) return;
        if (auto v = dump->integer("chunks", 1, max_dump_chunks)) {
            out.dump_chunks = static_cast<unsigned>(*v);
        }
    }

    void read_cleansing(const toml_section& doc, schema_model& out) {
        static constexpr std::array<std::string_view, 2> known{"key_file", "key_env"};
        const auto cleansing = doc.section("cleansing", known);
        if (!cleansing) return;
        cleansing_node_ = &cleansing->table();
        if (cleansing->get("key_file") && cleansing->get("key_env")) {
            cleansing->add_here("give one of key_file or key_env, not both");
            return;
        }
        if (auto file = cleansing->string("key_file")) {
            if (file->empty() || file->find('\0') != std::string::npos) {
                cleansing->add("key_file", "must be a file path");
            } else {
                const fs::path path(*file);
                out.cleansing_key.file =
                    (path.is_absolute() ? path : base_dir_ / path).lexically_normal().string();
            }
        }
        if (auto env = cleansing->string("key_env")) {
            if (is_env_name(*env)) {
                out.cleansing_key.env = *env;
            } else {
                cleansing->add("key_env", "must be an environment variable name (A-Z a-z 0-9 _)");
            }
        }
    }

    void read_end_sql(const toml_section& doc, schema_model& out) {
        const toml::array* statements = doc.array("end_sql", "an array of SQL statements");
        if (!statements) return;
        for (std::size_t i = 0; i < statements->size(); ++i) {
            const toml::node& element = *statements->get(i);
            const auto* text = element.as_string();
            if (!text || text->get().find_first_not_of(" \t\r\n") == std::string::npos) {
                doc.add_at(element, toml_element_path(doc.key_path("end_sql"), i),
                           "must be a non-empty string");
                continue;
            }
            out.end_sql.push_back(text->get());
        }
    }

    // ---- [tables] ----

    void read_tables(const toml_section& doc, schema_model& out) {
        const toml::node* node = doc.get("tables");
        if (!node) return;
        const toml::table* tables = node->as_table();
        if (!tables) {
            doc.add("tables", "must be a table of tables ([tables.NAME])");
            return;
        }
        const toml_section section(*tables, "tables", problems_);
        for (const auto& [name, value] : *tables) read_table(section, std::string(name.str()), out);
    }

    void read_table(const toml_section& tables, const std::string& name, schema_model& out) {
        static constexpr std::array<std::string_view, 6> known{
            "key", "shared", "key_cache", "duplicates", "batch_rows", "cleanse"};
        if (!is_identifier(name)) {
            tables.add(name, "table name " + std::string(identifier_rule));
            return;
        }
        const auto table = tables.section(name, known);
        if (!table) return;
        table_rules rules;
        rules.name = name;
        rules.key_path = table->path();
        read_key_columns(*table, rules.key);
        if (auto v = table->boolean("shared")) rules.shared = *v;
        if (auto v = table->boolean("key_cache")) rules.key_cache = *v;
        read_duplicates(*table, rules.duplicates);
        if (auto v = table->integer("batch_rows", 1, max_batch_rows)) rules.batch_rows = *v;
        read_cleanse(*table, rules);
        table_nodes_[name] = &table->table();
        out.tables.emplace(name, std::move(rules));
    }

    void read_key_columns(const toml_section& table, std::vector<std::string>& out) {
        const toml::array* key = table.array("key", "an array of column names");
        if (!key) return;
        if (key->empty()) table.add("key", "must name at least one column");
        for (std::size_t i = 0; i < key->size(); ++i) {
            const toml::node& element = *key->get(i);
            const auto* column = element.as_string();
            const std::string path = toml_element_path(table.key_path("key"), i);
            if (!column || !is_identifier(column->get())) {
                table.add_at(element, path, std::string(identifier_rule));
            } else if (std::find(out.begin(), out.end(), column->get()) != out.end()) {
                table.add_at(element, path, "names a column twice");
            } else {
                out.push_back(column->get());
            }
        }
    }

    void read_duplicates(const toml_section& table, duplicate_policy& out) {
        const auto value = table.string("duplicates");
        if (!value) return;
        if (*value == "fail") {
            out = duplicate_policy::fail;
        } else if (*value == "ignore") {
            out = duplicate_policy::ignore;
        } else {
            table.add("duplicates", "must be \"fail\" or \"ignore\"");
        }
    }

    void read_cleanse(const toml_section& table, table_rules& rules) {
        const toml::node* node = table.get("cleanse");
        if (!node) return;
        const toml::table* cleanse = node->as_table();
        if (!cleanse) {
            table.add("cleanse", "must be a table of column = rule");
            return;
        }
        const toml_section section(*cleanse, table.key_path("cleanse"), problems_);
        for (const auto& [column, value] : *cleanse) {
            const std::string path = section.key_path(column.str());
            if (!is_identifier(column.str())) {
                section.add_at(value, path, "column name " + std::string(identifier_rule));
                continue;
            }
            if (auto rule = read_cleanse_rule(section, column.str(), value, path)) {
                if (is_keyed(rule->kind) && !first_keyed_rule_) first_keyed_rule_ = &value;
                rules.cleanse.push_back(std::move(*rule));
            }
        }
    }

    std::optional<cleanse_rule> read_cleanse_rule(const toml_section& section,
                                                  std::string_view column, const toml::node& value,
                                                  const std::string& path) {
        static constexpr std::string_view rule_text =
            "must be \"email\", \"hash\", \"name\", \"null\" or { constant = VALUE }";
        cleanse_rule rule;
        rule.column = std::string(column);
        if (const auto* name = value.as_string()) {
            const auto kind = cleanse_kind_from(name->get());
            if (!kind) {
                section.add_at(value, path, std::string(rule_text));
                return std::nullopt;
            }
            rule.kind = *kind;
            return rule;
        }
        const toml::table* constant = value.as_table();
        if (!constant || constant->size() != 1 || !constant->get("constant")) {
            section.add_at(value, path, std::string(rule_text));
            return std::nullopt;
        }
        const toml::node& literal = *constant->get("constant");
        auto parsed = read_literal(literal);
        if (!parsed) {
            section.add_at(literal, toml_child_path(path, "constant"), "must be a string or an integer");
            return std::nullopt;
        }
        rule.kind = cleanse_kind::constant;
        rule.constant = std::move(*parsed);
        return rule;
    }

    static std::optional<column_literal> read_literal(const toml::node& node) {
        if (const auto* s = node.as_string()) return column_literal{s->get()};
        if (const auto* i = node.as_integer()) return column_literal{i->get()};
        return std::nullopt;
    }

    // ---- [[relationships]] ----

    void read_relationships(const toml_section& doc, schema_model& out) {
        const toml::array* list =
            doc.array("relationships", "an array of tables ([[relationships]])");
        if (!list) return;
        for (std::size_t i = 0; i < list->size(); ++i) {
            const toml::node& element = *list->get(i);
            const std::string path = toml_element_path("relationships", i);
            const toml::table* table = element.as_table();
            if (!table) {
                doc.add_at(element, path, "must be a table");
                continue;
            }
            if (auto r = read_relationship(toml_section(*table, path, problems_))) {
                out.relationships.push_back(std::move(*r));
                relationship_nodes_.push_back(table);
            }
        }
    }

    std::optional<relationship> read_relationship(const toml_section& s) {
        static constexpr std::array<std::string_view, 7> known{
            "from", "to", "from_match", "to_match", "through", "both_ways", "lookup_batch"};
        s.report_unknown_keys(known);
        relationship r;
        r.key_path = s.path();
        // Both reported when both are missing.
        const bool has_from = s.require("from");
        const bool has_ends = s.require("to") && has_from;
        auto from = read_side(s, "from");
        auto to = read_side(s, "to");
        bool ok = has_ends && from && to;
        ok = read_match(s, "from_match", r.from_match) && ok;
        ok = read_match(s, "to_match", r.to_match) && ok;
        if (s.get("through")) {
            r.through = read_through(s);
            ok = r.through.has_value() && ok;
        }
        if (auto v = s.boolean("both_ways")) r.both_ways = *v;
        if (auto v = s.integer("lookup_batch", 1, max_lookup_batch)) r.lookup_batch = *v;
        if (!ok) return std::nullopt;
        r.from = std::move(*from);
        r.to = std::move(*to);
        if (!pairs_match(s, r)) return std::nullopt;
        return r;
    }

    // "table.column", or an array of them naming one table, at s.key.
    std::optional<table_columns> read_side(const toml_section& s, std::string_view key) {
        const toml::node* node = s.get(key);
        if (!node) return std::nullopt;
        std::vector<located<std::string>> refs;
        if (const auto* one = node->as_string()) {
            refs.push_back({one->get(), node, s.key_path(key)});
        } else if (const auto* many = node->as_array(); many && !many->empty()) {
            for (std::size_t i = 0; i < many->size(); ++i) {
                const toml::node& element = *many->get(i);
                const auto* text = element.as_string();
                refs.push_back({text ? text->get() : std::string{}, &element,
                                toml_element_path(s.key_path(key), i)});
            }
        } else {
            s.add(key, std::string(column_ref_rule));
            return std::nullopt;
        }
        return columns_of(s, refs);
    }

    std::optional<table_columns> columns_of(const toml_section& s,
                                            const std::vector<located<std::string>>& refs) {
        table_columns out;
        bool ok = true;
        for (const auto& ref : refs) {
            const std::size_t dot = ref.value.find('.');
            const std::string table = ref.value.substr(0, dot);
            const std::string column = dot == std::string::npos ? "" : ref.value.substr(dot + 1);
            if (dot == std::string::npos || !is_identifier(table) || !is_identifier(column) ||
                (!out.table.empty() && table != out.table)) {
                s.add_at(*ref.node, ref.path, std::string(column_ref_rule));
                ok = false;
            } else if (std::find(out.columns.begin(), out.columns.end(), column) !=
                       out.columns.end()) {
                s.add_at(*ref.node, ref.path, "names a column twice");
                ok = false;
            } else {
                out.table = table;
                out.columns.push_back(column);
            }
        }
        if (!ok) return std::nullopt;
        return out;
    }

    // { column = value, ... } pinning columns of one side to values.
    bool read_match(const toml_section& s, std::string_view key, std::vector<column_value>& out) {
        const toml::node* node = s.get(key);
        if (!node) return true;
        const toml::table* table = node->as_table();
        if (!table || table->empty()) {
            s.add(key, "must be a table of column = value, like { owner_type = \"message\" }");
            return false;
        }
        bool ok = true;
        for (const auto& [column, value] : *table) {
            const std::string path = toml_child_path(s.key_path(key), column.str());
            auto literal = read_literal(value);
            if (!is_identifier(column.str())) {
                s.add_at(value, path, "column name " + std::string(identifier_rule));
                ok = false;
            } else if (!literal) {
                s.add_at(value, path, "must be a string or an integer");
                ok = false;
            } else {
                out.push_back({std::string(column.str()), std::move(*literal)});
            }
        }
        return ok;
    }

    std::optional<join_table> read_through(const toml_section& s) {
        static constexpr std::array<std::string_view, 2> known{"from", "to"};
        const auto through = s.section("through", known);
        if (!through) return std::nullopt;
        const bool has_from = through->require("from");
        const bool present = through->require("to") && has_from;
        auto from = read_side(*through, "from");
        auto to = read_side(*through, "to");
        if (!present || !from || !to) return std::nullopt;
        if (from->table != to->table) {
            through->add("to", "must name columns of the same join table as through.from");
            return std::nullopt;
        }
        return join_table{from->table, std::move(from->columns), std::move(to->columns)};
    }

    // Columns join in pairs: from with to, or from with through.from and through.to with to.
    bool pairs_match(const toml_section& s, const relationship& r) {
        const auto count = [](std::size_t n) {
            return std::to_string(n) + (n == 1 ? " column" : " columns");
        };
        const std::size_t from = r.from.columns.size();
        const std::size_t to = r.to.columns.size();
        if (!r.through && from != to) {
            s.add("to", "names " + count(to) + " but from names " + count(from) +
                            ": columns join in pairs");
            return false;
        }
        if (r.through && r.through->from_columns.size() != from) {
            s.add("through", "through.from names " + count(r.through->from_columns.size()) +
                                 " but from names " + count(from) + ": columns join in pairs");
            return false;
        }
        if (r.through && r.through->to_columns.size() != to) {
            s.add("through", "through.to names " + count(r.through->to_columns.size()) +
                                 " but to names " + count(to) + ": columns join in pairs");
            return false;
        }
        return true;
    }

    // ---- [excluded] ----

    void read_excluded(const toml_section& doc, schema_model& out) {
        const toml::node* node = doc.get("excluded");
        if (!node) return;
        const toml::table* excluded = node->as_table();
        if (!excluded) {
            doc.add("excluded", "must be a table of table = \"reason\"");
            return;
        }
        const toml_section section(*excluded, "excluded", problems_);
        for (const auto& [name, value] : *excluded) {
            const std::string path = section.key_path(name.str());
            const auto* reason = value.as_string();
            if (!is_identifier(name.str())) {
                section.add_at(value, path, "table name " + std::string(identifier_rule));
            } else if (!reason || reason->get().find_first_not_of(" \t") == std::string::npos) {
                section.add_at(value, path, "must give the reason it is not copied, as a string");
            } else {
                excluded_nodes_[std::string(name.str())] = &value;
                out.excluded.push_back({std::string(name.str()), reason->get()});
            }
        }
    }

    // ---- checks across sections ----

    void check_root(const schema_model& out) {
        if (out.root_table.empty()) return;
        const std::string& root = out.root_table;
        if (is_gangway_table(root)) {
            problems_.add(root_node_, "root.table", gangway_table_text(root));
        } else if (out.find_excluded(root)) {
            problems_.add(root_node_, "root.table", root + " is also listed in [excluded]");
        } else if (auto it = out.tables.find(root); it != out.tables.end() && it->second.shared) {
            problems_.add(root_node_, "root.table",
                          root + " is the account's own table: it cannot be shared");
        }
    }

    void check_tables(const schema_model& out) {
        for (const auto& [name, rules] : out.tables) {
            const toml::node* node = table_nodes_[name];
            if (is_gangway_table(name)) {
                problems_.add(node, rules.key_path, gangway_table_text(name));
            } else if (out.find_excluded(name)) {
                problems_.add(node, rules.key_path,
                              "also listed in [excluded]: a table is copied or excluded, not both");
            }
        }
        for (const auto& e : out.excluded) {
            if (is_gangway_table(e.name)) {
                problems_.add(excluded_nodes_[e.name], toml_child_path("excluded", e.name),
                              gangway_table_text(e.name));
            }
        }
    }

    void check_relationship(const schema_model& m, const relationship& r, const toml::node* node) {
        std::vector<std::string> tables{r.from.table, r.to.table};
        if (r.through) tables.push_back(r.through->table);
        for (const auto& t : tables) {
            if (is_gangway_table(t)) {
                problems_.add(node, r.key_path, gangway_table_text(t));
                return;
            }
            if (m.find_excluded(t)) {
                problems_.add(node, r.key_path, t + " is listed in [excluded]");
                return;
            }
        }
        if (r.through && m.rules_for(r.through->table).shared) {
            problems_.add(node, r.key_path,
                          "join table " + r.through->table +
                              " holds the account's rows: it cannot be shared");
            return;
        }
        check_shared_direction(m, r, node);
        check_cleansed_joins(m, r, node);
    }

    // Following from a shared table to one that is not would pull in the rows of every
    // account that uses the same reference row.
    void check_shared_direction(const schema_model& m, const relationship& r,
                                const toml::node* node) {
        const bool from_shared = m.rules_for(r.from.table).shared;
        const bool to_shared = m.rules_for(r.to.table).shared;
        const auto refuse = [&](const std::string& shared, const std::string& other) {
            problems_.add(node, r.key_path,
                          "follows from shared table " + shared + " to " + other +
                              ", which is not shared: it would copy other accounts' rows");
        };
        if (from_shared && !to_shared) {
            refuse(r.from.table, r.through ? r.through->table : r.to.table);
        } else if (r.both_ways && to_shared && !from_shared) {
            refuse(r.to.table, r.through ? r.through->table : r.from.table);
        }
    }

    // Both columns of a join pair must be cleansed alike, with a rule that keeps distinct
    // values distinct, or cleansed rows no longer find each other.
    void check_cleansed_joins(const schema_model& m, const relationship& r,
                              const toml::node* node) {
        std::vector<
            std::pair<std::pair<std::string, std::string>, std::pair<std::string, std::string>>>
            pairs;
        for (std::size_t i = 0; i < r.from.columns.size(); ++i) {
            const auto& other = r.through ? std::pair{r.through->table, r.through->from_columns[i]}
                                          : std::pair{r.to.table, r.to.columns[i]};
            pairs.push_back({{r.from.table, r.from.columns[i]}, other});
        }
        for (std::size_t i = 0; r.through && i < r.to.columns.size(); ++i) {
            pairs.push_back(
                {{r.through->table, r.through->to_columns[i]}, {r.to.table, r.to.columns[i]}});
        }
        for (const auto& [a, b] : pairs) {
            const cleanse_rule* ra = find_rule(m, a.first, a.second);
            const cleanse_rule* rb = find_rule(m, b.first, b.second);
            const std::string names = a.first + "." + a.second + " and " + b.first + "." + b.second;
            if ((ra && !is_keyed(ra->kind)) || (rb && !is_keyed(rb->kind))) {
                problems_.add(node, r.key_path,
                              names +
                                  " join: a null or constant cleansing rule would make every "
                                  "row match");
                return;
            }
            if ((ra == nullptr) != (rb == nullptr) || (ra && ra->kind != rb->kind)) {
                problems_.add(node, r.key_path,
                              names +
                                  " join but are cleansed differently: cleansed keys would no "
                                  "longer join");
                return;
            }
        }
    }

    static const cleanse_rule* find_rule(const schema_model& m, const std::string& table,
                                         const std::string& column) {
        const auto it = m.tables.find(table);
        if (it == m.tables.end()) return nullptr;
        for (const auto& rule : it->second.cleanse) {
            if (rule.column == column) return &rule;
        }
        return nullptr;
    }

    void check_cleansing_key(const schema_model& m) {
        if (!first_keyed_rule_ || !m.cleansing_key.file.empty() || !m.cleansing_key.env.empty()) {
            return;
        }
        problems_.add(cleansing_node_ ? cleansing_node_ : first_keyed_rule_, "cleansing",
                      "key_file or key_env is required: the email, hash and name rules use a "
                      "keyed hash");
    }

    static std::string gangway_table_text(const std::string& table) {
        return table + " is one of gangway's own tables (gangway_*): the mover never copies them";
    }

    void read_identifier(const toml_section& s, std::string_view key, std::string& out) {
        const auto value = s.string(key);
        if (!value) return;
        if (is_identifier(*value)) {
            out = *value;
        } else {
            s.add(key, std::string(identifier_rule));
        }
    }

    fs::path base_dir_;
    toml_problems& problems_;
    const toml::node* root_node_ = nullptr;
    const toml::node* cleansing_node_ = nullptr;
    const toml::node* first_keyed_rule_ = nullptr;
    std::vector<const toml::node*> relationship_nodes_;
    std::map<std::string, const toml::node*> table_nodes_;
    std::map<std::string, const toml::node*> excluded_nodes_;
};

schema_result failure(std::string message) {
    return {nullptr, {config_error{{}, std::move(message)}}};
}

fs::path absolute_path(const std::string& path) {
    if (path.empty()) return {};
    std::error_code ec;
    fs::path result = fs::absolute(path, ec);
    return (ec ? fs::path(path) : result).lexically_normal();
}

schema_result parse_unguarded(std::string_view text, const std::string& source_path) {
    const fs::path source = absolute_path(source_path);
    toml_document document = parse_toml(text, source.string(), max_schema_bytes);
    if (document.error) return {nullptr, {*document.error}};
    std::error_code ec;
    const fs::path base = source.empty() ? fs::current_path(ec) : source.parent_path();
    auto model = std::make_shared<schema_model>();
    model->source_path = source.string();
    toml_problems problems;
    schema_builder(base, problems).build(*document.root, *model);
    if (!problems.empty()) return {nullptr, std::move(problems).in_document_order()};
    std::sort(model->excluded.begin(), model->excluded.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    for (auto& [name, rules] : model->tables) {
        std::sort(rules.cleanse.begin(), rules.cleanse.end(),
                  [](const auto& a, const auto& b) { return a.column < b.column; });
    }
    return {std::move(model), {}};
}

}  // namespace

std::string_view cleanse_kind_name(cleanse_kind k) noexcept {
    switch (k) {
        case cleanse_kind::email:
            return "email";
        case cleanse_kind::keyed_hash:
            return "hash";
        case cleanse_kind::fake_name:
            return "name";
        case cleanse_kind::null:
            return "null";
        case cleanse_kind::constant:
            return "constant";
    }
    return "null";
}

bool is_gangway_table(std::string_view table) noexcept { return table.starts_with("gangway_"); }

table_rules schema_model::rules_for(std::string_view table) const {
    if (const auto it = tables.find(table); it != tables.end()) return it->second;
    table_rules rules;
    rules.name = std::string(table);
    return rules;
}

const excluded_table* schema_model::find_excluded(std::string_view table) const {
    const auto it = std::find_if(excluded.begin(), excluded.end(),
                                 [&](const excluded_table& e) { return e.name == table; });
    return it == excluded.end() ? nullptr : &*it;
}

std::size_t schema_model::batch_rows_for(std::string_view table) const {
    const auto it = tables.find(table);
    return it != tables.end() && it->second.batch_rows ? *it->second.batch_rows : batch_rows;
}

schema_result parse_schema_model(std::string_view toml_text, const std::string& source_path) {
    try {
        return parse_unguarded(toml_text, source_path);
    } catch (const std::bad_alloc&) {
        return failure("out of memory while loading the schema model");
    } catch (...) {
        return failure("unexpected error while loading the schema model");
    }
}

schema_result load_schema_model(const std::string& path) {
    const fs::path source = absolute_path(path);
    std::error_code ec;
    const fs::file_status status = fs::status(source, ec);
    if (status.type() == fs::file_type::not_found) {
        return failure("schema file not found: " + source.string());
    }
    if (!ec && !fs::is_regular_file(status)) {
        return failure("schema file is not a regular file: " + source.string());
    }
    std::ifstream in(source, std::ios::binary);
    if (ec || !in) return failure("schema file not readable: " + source.string());
    std::string text(max_schema_bytes + 1, '\0');  // one byte past the limit is enough to refuse
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.bad()) return failure("schema file not readable: " + source.string());
    text.resize(static_cast<std::size_t>(in.gcount()));
    return parse_schema_model(text, source.string());
}

}  // namespace gangway::mover
