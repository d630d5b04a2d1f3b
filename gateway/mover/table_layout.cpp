#include "gateway/mover/table_layout.hpp"

#include <algorithm>
#include <utility>

namespace gangway::mover {
namespace {

bool one_of(std::string_view t, std::initializer_list<std::string_view> names) {
    return std::find(names.begin(), names.end(), t) != names.end();
}

std::vector<std::string> key_columns(const table_rules& rules, const catalog_table& table) {
    if (!rules.key.empty()) return rules.key;
    if (const catalog_index* pk = table.primary_key()) return pk->columns;
    return {};
}

table_layout layout_of(const schema_model& model, const catalog_table& table,
                       std::vector<std::string>& errors) {
    const table_rules rules = model.rules_for(table.name);
    table_layout out;
    out.name = table.name;
    out.shared = rules.shared;
    out.key_cache = rules.key_cache;
    out.insert_ignore = rules.shared || rules.duplicates == duplicate_policy::ignore;
    out.batch_rows = model.batch_rows_for(table.name);
    for (const auto& c : table.columns) {
        out.columns.push_back(
            {c.name, kind_of(c.data_type), c.generated, c.data_type, c.column_type, c.max_length,
             c.auto_increment, c.charset});
    }
    const auto key = key_columns(rules, table);
    if (key.empty()) {
        errors.push_back(table.name + ": no primary key: declare tables." + table.name +
                         ".key as the columns of a unique index");
    }
    const catalog_index* pk = table.primary_key();
    out.key_is_primary = pk && pk->columns == key;
    for (const auto& k : key) {
        if (const auto at = out.find(k)) {
            out.key.push_back(*at);
        } else {
            errors.push_back(table.name + "." + k + ": key column: no such column");
        }
    }
    return out;
}

}  // namespace

value_kind kind_of(std::string_view t) noexcept {
    if (one_of(t, {"tinyint", "smallint", "mediumint", "int", "integer", "bigint", "year"}))
        return value_kind::integer;
    if (one_of(t, {"decimal", "numeric"})) return value_kind::decimal;
    if (one_of(t, {"float", "double", "real", "double precision"})) return value_kind::floating;
    if (t == "bit") return value_kind::bit;
    if (one_of(t, {"date", "datetime", "timestamp", "time"})) return value_kind::temporal;
    if (one_of(t, {"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob",
                   "geometry", "point", "linestring", "polygon", "multipoint",
                   "multilinestring", "multipolygon", "geometrycollection"}))
        return value_kind::bytes;
    return value_kind::text;  // char, varchar, *text, enum, set, json, inet6, uuid, ...
}

std::optional<std::size_t> table_layout::find(std::string_view column) const {
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (columns[i].name == column) return i;
    }
    return std::nullopt;
}

std::string quote_identifier(std::string_view name) {
    std::string out = "`";
    for (char c : name) {
        out += c;
        if (c == '`') out += '`';
    }
    return out + "`";
}

std::vector<std::string> columns_used(const traversal_plan& plan, const std::string& table) {
    std::vector<std::string> out;
    for (const auto& e : plan.edges) {
        if (e.from.table == table) {
            out.insert(out.end(), e.from.columns.begin(), e.from.columns.end());
            for (const auto& m : e.from_match) out.push_back(m.column);
        }
        if (e.to.table == table) {
            out.insert(out.end(), e.to.columns.begin(), e.to.columns.end());
            for (const auto& m : e.to_match) out.push_back(m.column);
        }
    }
    return out;
}

std::string select_expression(const layout_column& column) {
    if (!column.expression.empty()) return column.expression;
    const std::string c = quote_identifier(column.name);
    switch (column.kind) {
        // Read as they are: the server's text for them is the same as CAST(... AS CHAR) gives
        // (in the reader's session time zone), without a function call per value.
        case value_kind::integer:
        case value_kind::temporal: return c;
        // Connector/C++ does not hand back a DECIMAL column's text unchanged (DECIMAL(65,30)
        // values came back too long for the column); a CHAR column's it does.
        case value_kind::decimal: return "CAST(" + c + " AS CHAR)";
        // A FLOAT widens to DOUBLE exactly; the server prints a DOUBLE's shortest round-trip
        // digits ("5e-324"), but a FLOAT's with only 6 ("3.40282e38").
        case value_kind::floating: return "CAST(CAST(" + c + " AS DOUBLE) AS CHAR)";
        case value_kind::bit: return "CAST(CAST(" + c + " AS UNSIGNED) AS CHAR)";
        case value_kind::text:
        case value_kind::bytes: return c;
    }
    return c;
}

layouts_result build_layouts(const schema_model& model, const traversal_plan& plan,
                             const database_catalog& catalog) {
    layouts_result out;
    for (const auto& step : plan.order) {
        const catalog_table* table = catalog.find(step.table);
        if (!table) {
            out.errors.push_back(step.table + ": no such table in database " + catalog.schema);
            continue;
        }
        table_layout layout = layout_of(model, *table, out.errors);
        for (const auto& c : columns_used(plan, step.table)) {
            if (!layout.find(c)) out.errors.push_back(step.table + "." + c + ": no such column");
        }
        for (const auto& rule : model.rules_for(step.table).cleanse) {
            if (!layout.find(rule.column)) {
                out.errors.push_back(step.table + "." + rule.column + ": cleansed: no such column");
            }
        }
        if (step.table == model.root_table && !layout.find(model.root_key)) {
            out.errors.push_back(step.table + "." + model.root_key + ": no such column");
        }
        out.tables.emplace(step.table, std::move(layout));
    }
    // A column several relationships use is reported once.
    std::sort(out.errors.begin(), out.errors.end());
    out.errors.erase(std::unique(out.errors.begin(), out.errors.end()), out.errors.end());
    return out;
}

}  // namespace gangway::mover
