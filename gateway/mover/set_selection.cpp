#include "gateway/mover/set_selection.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "gateway/mover/sql_literal.hpp"

namespace gangway::mover {
namespace {

const table_layout& layout_of(const layout_map& layouts, const std::string& table) {
    return layouts.find(table)->second;  // build_layouts made one for every table visited
}

std::string literal(const table_layout& t, const std::string& column, const column_literal& v) {
    const layout_column& c = t.columns[*t.find(column)];
    if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
    std::string out;
    append_literal(out, c, std::get<std::string>(v));
    return out;
}

// `(a, b)` or `a`: a row constructor only when there are several.
std::string tuple(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
    return parts.size() == 1 ? out : "(" + out + ")";
}

std::string list(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
    return out;
}

std::set<std::size_t> closing_edges(const traversal_plan& plan) {
    std::set<std::size_t> out;
    for (const auto& cycle : plan.cycles) out.insert(cycle.closing_edges.begin(), cycle.closing_edges.end());
    return out;
}

}  // namespace

set_selection::set_selection(const schema_model& model, const traversal_plan& plan,
                             const layout_map& layouts, const std::vector<std::string>& accounts)
    : model_(model), plan_(plan), layouts_(layouts) {
    const auto closing = closing_edges(plan);
    for (const auto& step : plan.order) {
        const table_layout& t = layout_of(layouts, step.table);
        row_source s{quote_identifier(t.name), {}};
        if (step.table == model.root_table) {
            const layout_column& key = t.columns[*t.find(model.root_key)];
            std::string values;
            for (const auto& a : accounts) {
                if (!values.empty()) values += ", ";
                append_literal(values, key, a);
            }
            s.where = column(t.name, model.root_key) + " IN (" + values + ")";
            sources_.push_back(std::move(s));
            continue;
        }
        std::vector<std::string> conditions;
        for (std::size_t e : step.incoming) {
            if (!closing.count(e)) conditions.push_back(edge_condition(plan.edges[e]));
        }
        if (conditions.size() == 1) {
            s.where = conditions.front();
        } else {
            // Several ways in: the union of the keys each finds (each key once), joined back.
            std::vector<std::string> keys;
            std::vector<std::string> on;
            for (std::size_t i = 0; i < t.key.size(); ++i) {
                const std::string alias = "gw_k" + std::to_string(i);
                keys.push_back(column(t.name, t.columns[t.key[i]].name) + " AS " + alias);
                on.push_back(column(t.name, t.columns[t.key[i]].name) + " <=> gw_keys." + alias);
            }
            std::string unions;
            for (const auto& c : conditions) {
                unions += (unions.empty() ? "" : " UNION ") + ("SELECT " + list(keys) + " FROM " +
                                                               quote_identifier(t.name) + " WHERE " + c);
            }
            std::string join;
            for (const auto& o : on) join += (join.empty() ? "" : " AND ") + o;
            s.from = "(" + unions + ") AS gw_keys JOIN " + quote_identifier(t.name) + " ON " + join;
            s.where = "TRUE";
        }
        if (s.from.size() + s.where.size() > max_query_bytes) usable_ = false;
        sources_.push_back(std::move(s));
    }
}

std::string set_selection::column(const std::string& table, const std::string& name) const {
    return quote_identifier(table) + "." + quote_identifier(name);
}

const set_selection::row_source& set_selection::source(const std::string& table) const {
    for (std::size_t i = 0; i < sources_.size(); ++i) {
        if (plan_.order[i].table == table) return sources_[i];
    }
    throw std::logic_error("set_selection: " + table + " is not in the plan");
}

// Over `to`'s columns: its rows that the edge reaches from the rows of `from`'s set.
std::string set_selection::edge_condition(const follow_edge& e) const {
    const table_layout& from = layout_of(layouts_, e.from.table);
    const table_layout& to = layout_of(layouts_, e.to.table);
    std::vector<std::string> to_columns;
    std::vector<std::string> from_columns;
    for (const auto& c : e.to.columns) to_columns.push_back(column(to.name, c));
    for (const auto& c : e.from.columns) from_columns.push_back(column(from.name, c));
    const row_source& s = source(from.name);
    std::string inner = "SELECT " + list(from_columns) + " FROM " + s.from + " WHERE " + s.where;
    // The walker compares a from_match with the text it read, byte for byte.
    for (const auto& m : e.from_match) {
        inner += " AND CAST(" + column(from.name, m.column) + " AS BINARY) = BINARY " +
                 literal(from, m.column, m.value);
    }
    std::string out = tuple(to_columns) + " IN (" + inner + ")";
    for (const auto& m : e.to_match) {
        out += " AND " + column(to.name, m.column) + " = " + literal(to, m.column, m.value);
    }
    return out;
}

std::string set_selection::select(const std::string& table, const std::string& expressions) const {
    const row_source& s = source(table);
    return "SELECT " + expressions + " FROM " + s.from + " WHERE " + s.where;
}

std::string set_selection::select_in_key_order(const std::string& table,
                                               const std::string& expressions) const {
    const table_layout& t = layout_of(layouts_, table);
    std::string order;
    for (std::size_t k : t.key) order += (order.empty() ? "" : ", ") + column(t.name, t.columns[k].name);
    return select(table, expressions) + " ORDER BY " + order;
}

bool set_selection::single_source(const std::string& table) const {
    return source(table).from == quote_identifier(table);
}

std::string set_selection::select_part(const std::string& table, const std::string& expressions,
                                       const key_part& part, bool ordered) const {
    if (part.what == key_part::kind::all) {
        return ordered ? select_in_key_order(table, expressions) : select(table, expressions);
    }
    if (!single_source(table)) throw std::logic_error("set_selection: " + table + " is read whole");
    const table_layout& t = layout_of(layouts_, table);
    const std::string key = column(t.name, t.columns[t.key.at(0)].name);
    const std::string range = key + " BETWEEN " + part.low + " AND " + part.high;
    const row_source& s = source(table);
    const std::string order = ordered ? " ORDER BY " + key : "";
    if (part.what != key_part::kind::outside) {
        const std::string in_set = part.what == key_part::kind::between ? " AND (" + s.where + ")" : "";
        return "SELECT " + expressions + " FROM " + s.from + " FORCE INDEX (PRIMARY) WHERE " + range + in_set + order;
    }
    return "SELECT " + expressions + " FROM " + s.from + " WHERE NOT (" + range + ") AND (" + s.where + ")" + order;
}

std::vector<set_selection::closing_check> set_selection::closing_checks() const {
    std::vector<closing_check> out;
    for (std::size_t e : closing_edges(plan_)) {
        const follow_edge& edge = plan_.edges[e];
        const table_layout& t = layout_of(layouts_, edge.to.table);
        std::vector<std::string> key;
        for (std::size_t k : t.key) key.push_back(column(t.name, t.columns[k].name));
        const row_source& s = source(t.name);
        // Inside the subquery `t` names its own FROM table: the set's rows.
        const std::string in_set = tuple(key) + " IN (SELECT " + list(key) + " FROM " + s.from +
                                   " WHERE " + s.where + ")";
        std::string shown;
        std::string names;
        for (std::size_t k : t.key) names += (names.empty() ? "" : ", ") + t.columns[k].name;
        for (const auto& k : key) shown += (shown.empty() ? "" : ", ") + ("CAST(" + k + " AS CHAR)");
        out.push_back({t.name, edge.text(), t.name == model_.root_table, names,
                       "SELECT CONCAT_WS(', ', " + shown + ") FROM " + quote_identifier(t.name) +
                           " WHERE " + edge_condition(edge) + " AND NOT (" + in_set + ") LIMIT 1"});
    }
    return out;
}

std::vector<std::string> set_selection::tables() const {
    std::vector<std::string> out;
    for (const auto& step : plan_.order) out.push_back(step.table);
    return out;
}

}  // namespace gangway::mover
