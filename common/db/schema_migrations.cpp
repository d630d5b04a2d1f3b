#include "common/db/schema_migrations.hpp"

#include <memory>
#include <stdexcept>

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

namespace gangway {
namespace embedded {
extern const std::string_view migration_0001;
extern const std::string_view migration_0002;
extern const std::string_view migration_0003;
}  // namespace embedded

namespace {

// The statements of one migration file: '--' comment lines dropped, split at ';' ending a
// line. Our own files only, so no ';' at a line end inside a string.
std::vector<std::string> statements(std::string_view sql) {
    std::vector<std::string> out;
    std::string current;
    while (!sql.empty()) {
        const auto nl = sql.find('\n');
        std::string_view line = sql.substr(0, nl);
        sql.remove_prefix(nl == std::string_view::npos ? sql.size() : nl + 1);
        const auto first = line.find_first_not_of(" \t\r");
        if (first == std::string_view::npos || line.substr(first, 2) == "--") continue;
        current.append(line).push_back('\n');
        const auto last = line.find_last_not_of(" \t\r");
        if (line[last] == ';') {
            current.erase(current.find_last_of(';'));
            out.push_back(std::move(current));
            current.clear();
        }
    }
    if (current.find_first_not_of(" \t\r\n") != std::string::npos) out.push_back(current);
    return out;
}

void ensure_version_table(sql::Connection& c) {
    std::unique_ptr<sql::Statement> st(c.createStatement());
    st->execute(
        "CREATE TABLE IF NOT EXISTS gangway_schema_version ("
        " version INT NOT NULL PRIMARY KEY, name VARCHAR(128) NOT NULL,"
        " applied_at DATETIME(6) NOT NULL) ENGINE = InnoDB");
}

}  // namespace

const std::vector<migration>& known_migrations() {
    static const std::vector<migration> all{{1, "0001_placement", embedded::migration_0001},
                                            {2, "0002_handoff", embedded::migration_0002},
                                            {3, "0003_moves", embedded::migration_0003}};
    return all;
}

int schema_version(sql::Connection& c) {
    std::unique_ptr<sql::PreparedStatement> exists(c.prepareStatement(
        "SELECT COUNT(*) FROM information_schema.tables"
        " WHERE table_schema = DATABASE() AND table_name = 'gangway_schema_version'"));
    std::unique_ptr<sql::ResultSet> rs(exists->executeQuery());
    if (!rs->next() || rs->getInt(1) == 0) return 0;
    std::unique_ptr<sql::PreparedStatement> max(
        c.prepareStatement("SELECT COALESCE(MAX(version), 0) FROM gangway_schema_version"));
    std::unique_ptr<sql::ResultSet> v(max->executeQuery());
    return v->next() ? v->getInt(1) : 0;
}

migration_report upgrade_schema(sql::Connection& c) { return upgrade_schema(c, known_migrations()); }

migration_report upgrade_schema(sql::Connection& c, const std::vector<migration>& migrations) {
    if (migrations.empty()) throw std::invalid_argument("upgrade_schema: no migrations");
    migration_report report;
    report.version_before = schema_version(c);
    const int newest = migrations.back().version;
    if (report.version_before > newest)
        throw std::runtime_error("the database has gangway schema version " +
                                 std::to_string(report.version_before) + "; this gangway knows up to " +
                                 std::to_string(newest) + ": upgrade gangway first");
    ensure_version_table(c);
    // DDL commits implicitly in MySQL/MariaDB, so a migration cannot be one transaction;
    // instead every statement is idempotent (IF NOT EXISTS, INSERT IGNORE) and the version
    // row is written last: a migration cut short is simply applied again.
    for (const migration& m : migrations) {
        if (m.version <= report.version_before) continue;
        std::unique_ptr<sql::Statement> st(c.createStatement());
        for (const std::string& s : statements(m.sql)) st->execute(s);
        std::unique_ptr<sql::PreparedStatement> done(c.prepareStatement(
            "INSERT INTO gangway_schema_version (version, name, applied_at) VALUES (?, ?, UTC_TIMESTAMP(6))"));
        done->setInt(1, m.version);
        done->setString(2, std::string(m.name));
        done->execute();
        report.applied.emplace_back(m.name);
    }
    report.version_after = schema_version(c);
    return report;
}

}  // namespace gangway
