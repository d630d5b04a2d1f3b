#include "gateway/mover/catalog_reader.hpp"

#include <memory>

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

namespace gangway::mover {
namespace {

using statement = std::unique_ptr<sql::PreparedStatement>;
using rows = std::unique_ptr<sql::ResultSet>;

// Runs a query whose every ? is the schema name.
rows query(sql::Connection& c, const char* text, const std::string& schema, int parameters = 1) {
    statement st(c.prepareStatement(text));
    for (int i = 1; i <= parameters; ++i) st->setString(i, schema);
    return rows(st->executeQuery());
}

void read_tables(sql::Connection& c, database_catalog& out) {
    rows r = query(c,
                   "SELECT TABLE_NAME FROM information_schema.TABLES "
                   "WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
                   out.schema);
    while (r->next()) {
        std::string name = r->getString(1);
        out.tables[name].name = name;
    }
}

void read_columns(sql::Connection& c, database_catalog& out) {
    rows r = query(c,
                   // GENERATION_EXPRESSION: NULL (MariaDB) or '' (MySQL) unless generated.
                   "SELECT TABLE_NAME, COLUMN_NAME, LOWER(DATA_TYPE), IS_NULLABLE = 'YES', "
                   "COALESCE(GENERATION_EXPRESSION, '') <> '', LOWER(COLUMN_TYPE), "
                   "COALESCE(CHARACTER_MAXIMUM_LENGTH, 0), EXTRA LIKE '%auto_increment%', "
                   "COALESCE(CHARACTER_SET_NAME, '') "
                   "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? "
                   "ORDER BY TABLE_NAME, ORDINAL_POSITION",
                   out.schema);
    while (r->next()) {
        const auto table = out.tables.find(std::string(r->getString(1)));
        if (table == out.tables.end()) continue;  // a view's columns
        table->second.columns.push_back({r->getString(2), r->getString(3), r->getBoolean(4),
                                         r->getBoolean(5), r->getString(6), r->getUInt64(7),
                                         r->getBoolean(8), r->getString(9)});
    }
}

void read_indexes(sql::Connection& c, database_catalog& out) {
    rows r = query(c,
                   "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE = 0, COLUMN_NAME "
                   "FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? "
                   "ORDER BY TABLE_NAME, INDEX_NAME <> 'PRIMARY', INDEX_NAME, SEQ_IN_INDEX",
                   out.schema);
    while (r->next()) {
        const auto table = out.tables.find(std::string(r->getString(1)));
        if (table == out.tables.end()) continue;
        auto& indexes = table->second.indexes;
        const std::string name = r->getString(2);
        if (indexes.empty() || indexes.back().name != name) {
            indexes.push_back({name, r->getBoolean(3), {}});
        }
        indexes.back().columns.push_back(r->getString(4));
    }
}

void read_foreign_keys(sql::Connection& c, database_catalog& out) {
    rows r = query(c,
                   "SELECT CONSTRAINT_NAME, TABLE_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, "
                   "REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE "
                   "WHERE TABLE_SCHEMA = ? AND REFERENCED_TABLE_SCHEMA = ? "
                   "AND REFERENCED_TABLE_NAME IS NOT NULL "
                   "ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION",
                   out.schema, 2);
    while (r->next()) {
        const std::string name = r->getString(1);
        const std::string child = r->getString(2);
        auto& fks = out.foreign_keys;
        if (fks.empty() || fks.back().name != name || fks.back().child.table != child) {
            fks.push_back({name, {child, {}}, {r->getString(4), {}}});
        }
        fks.back().child.columns.push_back(r->getString(3));
        fks.back().parent.columns.push_back(r->getString(5));
    }
}

}  // namespace

database_catalog read_catalog(sql::Connection& c, const std::string& schema) {
    database_catalog out;
    out.schema = schema;
    read_tables(c, out);
    read_columns(c, out);
    read_indexes(c, out);
    read_foreign_keys(c, out);
    return out;
}

}  // namespace gangway::mover
