#include "gateway/mover/schema_infer.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace gangway::mover {
namespace {

enum class reach_kind { owned, shared };

// The tables reached from the root, in discovery order, each owned or shared.
struct reached_tables {
    std::vector<std::string> order;
    std::map<std::string, reach_kind, std::less<>> kind;

    bool has(const std::string& t) const { return kind.contains(t); }
    bool owned(const std::string& t) const {
        const auto it = kind.find(t);
        return it != kind.end() && it->second == reach_kind::owned;
    }
    void add(const std::string& t, reach_kind k) {
        if (kind.emplace(t, k).second) order.push_back(t);
    }
};

bool involves_gangway(const catalog_foreign_key& fk) {
    return is_gangway_table(fk.child.table) || is_gangway_table(fk.parent.table);
}

// Owned first (closure over "has a foreign key to an owned table"), then shared (closure over
// "referenced by a reached table, not owned").
reached_tables reach_from(const database_catalog& catalog, const std::string& root) {
    reached_tables r;
    r.add(root, reach_kind::owned);
    for (std::size_t i = 0; i < r.order.size(); ++i) {
        for (const auto& fk : catalog.foreign_keys) {
            if (!involves_gangway(fk) && fk.parent.table == r.order[i]) {
                r.add(fk.child.table, reach_kind::owned);
            }
        }
    }
    for (std::size_t i = 0; i < r.order.size(); ++i) {
        for (const auto& fk : catalog.foreign_keys) {
            if (!involves_gangway(fk) && fk.child.table == r.order[i]) {
                r.add(fk.parent.table, reach_kind::shared);
            }
        }
    }
    return r;
}

std::string fk_text(const catalog_foreign_key& fk) {
    const auto side = [](const table_columns& s) {
        std::string cols;
        for (const auto& c : s.columns) cols += (cols.empty() ? "" : ", ") + c;
        return s.table + "(" + cols + ")";
    };
    return "foreign key " + fk.name + ": " + side(fk.child) + " references " + side(fk.parent);
}

// The relationship a foreign key between reached tables becomes, or nullopt (noted).
std::optional<relationship> relationship_for(const catalog_foreign_key& fk, const reached_tables& r,
                                             const std::string& root,
                                             std::vector<std::string>& notes) {
    if (fk.child.table == root && fk.parent.table == root) {
        notes.push_back(fk_text(fk) + ": not followed, it links accounts to other accounts");
        return std::nullopt;
    }
    relationship out;
    out.note = fk_text(fk);
    const bool downward = r.owned(fk.parent.table) && fk.child.table != root;
    out.from = downward ? fk.parent : fk.child;
    out.to = downward ? fk.child : fk.parent;
    return out;
}

// A unique index over NOT NULL columns can stand in for a missing primary key.
std::optional<std::vector<std::string>> substitute_key(const catalog_table& table) {
    for (const auto& index : table.indexes) {
        const bool not_null =
            std::all_of(index.columns.begin(), index.columns.end(), [&](const std::string& c) {
                const catalog_column* col = table.column(c);
                return col && !col->nullable;
            });
        if (index.unique && not_null) return index.columns;
    }
    return std::nullopt;
}

void add_table_rules(const catalog_table& table, reach_kind kind, inferred_schema& out) {
    table_rules rules;
    rules.name = table.name;
    rules.key_path = "tables." + table.name;
    if (kind == reach_kind::shared) {
        rules.shared = true;
        rules.note = "Reference data no account owns: copied if missing, never overwritten.";
    }
    if (!table.primary_key()) {
        if (auto key = substitute_key(table)) {
            rules.key = *key;
            rules.note += std::string(rules.note.empty() ? "" : " ") +
                          "No primary key: keyed by a unique index.";
        } else {
            out.notes.push_back(table.name +
                                " has no primary key and no unique NOT NULL key: "
                                "declare tables." +
                                table.name + ".key");
        }
    }
    if (rules.shared || !rules.key.empty()) out.model.tables.emplace(table.name, std::move(rules));
}

void add_relationships(const database_catalog& catalog, const reached_tables& r,
                       inferred_schema& out) {
    std::map<std::string, std::size_t> rank;
    for (std::size_t i = 0; i < r.order.size(); ++i) rank[r.order[i]] = i;
    std::vector<std::tuple<std::size_t, std::size_t, std::size_t, relationship>> found;
    for (std::size_t i = 0; i < catalog.foreign_keys.size(); ++i) {
        const auto& fk = catalog.foreign_keys[i];
        if (involves_gangway(fk) || !r.has(fk.child.table)) continue;
        auto rel = relationship_for(fk, r, out.model.root_table, out.notes);
        if (!rel) continue;
        found.emplace_back(rank[rel->from.table], rank[rel->to.table], i, std::move(*rel));
    }
    // Relationships read in visit order: those leaving the root first, then the next table's.
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
        return std::tie(std::get<0>(a), std::get<1>(a), std::get<2>(a)) <
               std::tie(std::get<0>(b), std::get<1>(b), std::get<2>(b));
    });
    for (auto& item : found) {
        relationship& rel = std::get<3>(item);
        rel.key_path = "relationships[" + std::to_string(out.model.relationships.size()) + "]";
        out.model.relationships.push_back(std::move(rel));
    }
    out.foreign_keys = out.model.relationships.size();
}

}  // namespace

std::optional<root_guess> guess_root(const database_catalog& catalog, const login_config& login) {
    for (const auto& fk : catalog.foreign_keys) {
        if (fk.child.table == login.users_table && fk.child.columns.size() == 1 &&
            fk.child.columns.front() == login.account_id_column && catalog.find(fk.parent.table)) {
            return root_guess{fk.parent.table, "the table " + login.users_table + "." +
                                                   login.account_id_column +
                                                   " references ([login] in the config)"};
        }
    }
    const std::string& column = login.account_id_column;
    if (column.size() > 3 && column.ends_with("_id")) {
        const std::string stem = column.substr(0, column.size() - 3);
        for (const std::string& name : {stem, stem + "s"}) {
            if (catalog.find(name) && !is_gangway_table(name)) {
                return root_guess{name, "named after [login] account_id_column " + column};
            }
        }
    }
    return std::nullopt;
}

infer_result infer_schema(const database_catalog& catalog, const std::string& root_table) {
    const catalog_table* root = catalog.find(root_table);
    if (!root || is_gangway_table(root_table)) {
        return {std::nullopt, "no table " + root_table + " in database " + catalog.schema};
    }
    const catalog_index* pk = root->primary_key();
    if (!pk || pk->columns.size() != 1) {
        return {std::nullopt, "root table " + root_table +
                                  " needs a one-column primary key: the account id matches it"};
    }
    inferred_schema out;
    out.model.root_table = root_table;
    out.model.root_key = pk->columns.front();
    const reached_tables r = reach_from(catalog, root_table);
    add_relationships(catalog, r, out);
    for (const auto& name : r.order) {
        if (const catalog_table* table = catalog.find(name))
            add_table_rules(*table, r.kind.at(name), out);
    }
    for (const auto& [name, table] : catalog.tables) {
        if (!is_gangway_table(name) && !r.has(name)) {
            out.model.excluded.push_back({name, "not reachable from the root: review"});
        }
    }
    return {std::move(out), {}};
}

}  // namespace gangway::mover
