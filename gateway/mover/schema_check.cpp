#include "gateway/mover/schema_check.hpp"

#include <algorithm>
#include <set>
#include <string>

namespace gangway::mover {
namespace {

std::string subject_of(const std::string& table, const std::vector<std::string>& columns) {
    if (columns.size() == 1) return table + "." + columns.front();
    std::string out;
    for (const auto& c : columns) out += (out.empty() ? "" : ", ") + c;
    return table + ".(" + out + ")";
}

std::vector<std::string> columns_of(const std::vector<column_value>& match) {
    std::vector<std::string> out;
    for (const auto& m : match) out.push_back(m.column);
    return out;
}

// A column the model names, and where.
struct column_mention {
    std::string table;
    std::string column;
    std::string key_path;
};

class schema_checker {
public:
    schema_checker(const schema_model& m, const traversal_plan& p, const database_catalog& c)
        : m_(m), plan_(p), catalog_(c) {}

    std::vector<schema_problem> run() && {
        out_ = plan_problems(m_, plan_);
        check_tables_exist();
        check_columns_exist();
        check_lookups_indexed();
        check_row_keys();
        check_single_arrivals();
        check_cleansing_fits();
        check_unmentioned();
        return std::move(out_);
    }

private:
    void add(std::string key_path, std::string subject, std::string message) {
        schema_problem p{std::move(key_path), std::move(subject), std::move(message)};
        if (std::find(out_.begin(), out_.end(), p) == out_.end()) out_.push_back(std::move(p));
    }

    void check_tables_exist() {
        const auto need = [&](const std::string& table, const std::string& key_path) {
            if (!catalog_.find(table)) {
                add(key_path, table, "no such table in database " + catalog_.schema);
            }
        };
        need(m_.root_table, "root.table");
        for (const auto& [name, rules] : m_.tables) need(name, rules.key_path);
        for (const auto& r : m_.relationships) {
            need(r.from.table, r.key_path);
            if (r.through) need(r.through->table, r.key_path);
            need(r.to.table, r.key_path);
        }
        for (const auto& e : m_.excluded) need(e.name, "excluded." + e.name);
    }

    std::vector<column_mention> column_mentions() const {
        std::vector<column_mention> out{{m_.root_table, m_.root_key, "root.key"}};
        const auto add_all = [&](const std::string& table, const std::vector<std::string>& columns,
                                 const std::string& key_path) {
            for (const auto& c : columns) out.push_back({table, c, key_path});
        };
        for (const auto& r : m_.relationships) {
            add_all(r.from.table, r.from.columns, r.key_path);
            add_all(r.from.table, columns_of(r.from_match), r.key_path);
            if (r.through) add_all(r.through->table, r.through->from_columns, r.key_path);
            if (r.through) add_all(r.through->table, r.through->to_columns, r.key_path);
            add_all(r.to.table, r.to.columns, r.key_path);
            add_all(r.to.table, columns_of(r.to_match), r.key_path);
        }
        for (const auto& [name, rules] : m_.tables) {
            add_all(name, rules.key, rules.key_path + ".key");
            for (const auto& rule : rules.cleanse) {
                out.push_back({name, rule.column, rules.key_path + ".cleanse." + rule.column});
            }
        }
        return out;
    }

    void check_columns_exist() {
        for (const auto& mention : column_mentions()) {
            const catalog_table* table = catalog_.find(mention.table);
            if (table && !table->column(mention.column)) {
                add(mention.key_path, mention.table + "." + mention.column, "no such column");
            }
        }
    }

    bool has_columns(const catalog_table& table, const std::vector<std::string>& columns) const {
        return std::all_of(columns.begin(), columns.end(),
                           [&](const std::string& c) { return table.column(c) != nullptr; });
    }

    void require_index(const std::string& key_path, const std::string& table_name,
                       const std::vector<std::string>& lookup,
                       const std::vector<std::string>& fixed, const std::string& why) {
        const catalog_table* table = catalog_.find(table_name);
        if (!table || !has_columns(*table, lookup) || !has_columns(*table, fixed)) return;
        if (serving_index(*table, lookup, fixed)) return;
        std::string suggested;
        for (const auto* list : {&fixed, &lookup}) {
            for (const auto& c : *list) suggested += (suggested.empty() ? "" : ", ") + c;
        }
        add(key_path, subject_of(table_name, lookup),
            "not indexed: " + why + " would scan the whole table; add an index that starts with (" +
                suggested + ")");
    }

    void check_lookups_indexed() {
        require_index("root.key", m_.root_table, {m_.root_key}, {}, "finding the account's row");
        for (const auto& edge : plan_.edges) {
            if (!plan_.find(edge.from.table)) continue;  // unreachable: reported already
            require_index(m_.relationships[edge.relationship].key_path, edge.to.table,
                          edge.to.columns, columns_of(edge.to_match), "following " + edge.text());
        }
    }

    // The key cache needs a key per row: the declared one must be unique, or else the table
    // needs a primary key.
    void check_row_keys() {
        for (const auto& step : plan_.order) {
            const catalog_table* table = catalog_.find(step.table);
            if (!table) continue;
            const table_rules rules = m_.rules_for(step.table);
            if (rules.key.empty() && !table->primary_key()) {
                add(rules.key_path.empty() ? "tables." + step.table : rules.key_path, step.table,
                    "no primary key: declare tables." + step.table +
                        ".key as the columns of a unique index");
            } else if (!rules.key.empty() && has_columns(*table, rules.key) &&
                       !is_unique_key(*table, rules.key)) {
                add(rules.key_path + ".key", subject_of(step.table, rules.key),
                    "no unique index on exactly these columns: the key cache would take "
                    "different rows for one");
            }
        }
    }

    static bool unique_within(const catalog_table& table, const std::vector<std::string>& columns) {
        return std::any_of(table.indexes.begin(), table.indexes.end(), [&](const auto& index) {
            return index.unique &&
                   std::all_of(
                       index.columns.begin(), index.columns.end(), [&](const std::string& c) {
                           return std::find(columns.begin(), columns.end(), c) != columns.end();
                       });
        });
    }

    // A table without a key cache reached by one edge still gets a row twice when two source
    // rows share the looked-up value; only a unique source key rules that out.
    void check_single_arrivals() {
        for (const auto& step : plan_.order) {
            const table_rules rules = m_.rules_for(step.table);
            if (rules.key_cache || rules.duplicates == duplicate_policy::ignore ||
                step.incoming.size() != 1 || step.table == m_.root_table ||
                std::find(plan_.repeated.begin(), plan_.repeated.end(), step.table) !=
                    plan_.repeated.end()) {
                continue;
            }
            const follow_edge& edge = plan_.edges[step.incoming.front()];
            const catalog_table* source = catalog_.find(edge.from.table);
            if (!source || !has_columns(*source, edge.from.columns) ||
                unique_within(*source, edge.from.columns)) {
                continue;
            }
            add(rules.key_path, step.table,
                "key_cache is false but " + subject_of(edge.from.table, edge.from.columns) +
                    " is not unique, so a row can come once per matching " + edge.from.table +
                    " row: keep the key cache or set duplicates = \"ignore\"");
        }
    }

    void check_cleansing_fits() {
        for (const auto& [name, rules] : m_.tables) {
            const catalog_table* table = catalog_.find(name);
            if (!table) continue;
            for (const auto& rule : rules.cleanse) {
                const catalog_column* column = table->column(rule.column);
                if (!column) continue;
                if (const std::string why = misfit(rule, *column); !why.empty()) {
                    add(rules.key_path + ".cleanse." + rule.column, name + "." + rule.column, why);
                }
            }
        }
    }

    static std::string misfit(const cleanse_rule& rule, const catalog_column& column) {
        const std::string kind = "rule \"" + std::string(cleanse_kind_name(rule.kind)) + "\"";
        switch (rule.kind) {
            case cleanse_kind::email:
            case cleanse_kind::fake_name:
                if (!is_text_type(column.data_type)) {
                    return kind + " needs a text column (char, varchar, text), not " +
                           column.data_type;
                }
                return {};
            case cleanse_kind::keyed_hash:
                if (!is_text_type(column.data_type) && !is_integer_type(column.data_type)) {
                    return kind + " needs a text or integer column, not " + column.data_type;
                }
                return {};
            case cleanse_kind::null:
                return column.nullable ? std::string{} : kind + " on a NOT NULL column";
            case cleanse_kind::constant:
                return {};
        }
        return {};
    }

    void check_unmentioned() {
        std::set<std::string, std::less<>> mentioned(plan_.unreachable.begin(),
                                                     plan_.unreachable.end());
        for (const auto& step : plan_.order) mentioned.insert(step.table);
        for (const auto& e : m_.excluded) mentioned.insert(e.name);
        for (const auto& [name, rules] : m_.tables) mentioned.insert(name);
        for (const auto& [name, table] : catalog_.tables) {
            if (is_gangway_table(name) || mentioned.contains(name)) continue;
            add({}, name,
                "not mentioned in the model: its rows would be left behind; add a relationship "
                "that reaches it, or list it under [excluded] with a reason");
        }
    }

    const schema_model& m_;
    const traversal_plan& plan_;
    const database_catalog& catalog_;
    std::vector<schema_problem> out_;
};

}  // namespace

std::vector<schema_problem> check_schema(const schema_model& model, const traversal_plan& plan,
                                         const database_catalog& catalog) {
    return schema_checker(model, plan, catalog).run();
}

}  // namespace gangway::mover
