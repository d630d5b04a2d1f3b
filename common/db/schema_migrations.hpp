#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sql {
class Connection;
}

namespace gangway {

// Gangway's own tables, from the versioned SQL files in db/migrations/ (built into the
// binary). gangway_schema_version records what has been applied.
struct migration {
    int version;
    std::string_view name;
    std::string_view sql;
};
const std::vector<migration>& known_migrations();

struct migration_report {
    int version_before = 0;
    int version_after = 0;
    std::vector<std::string> applied;  // names, in order
};

// 0 for a database without gangway's tables.
int schema_version(sql::Connection& c);

// Applies every migration newer than the database's version, in order; a no-op when it is
// current. Throws std::runtime_error when the database is newer than this binary knows (an
// older gangway must not touch it) and lets sql::SQLException through.
migration_report upgrade_schema(sql::Connection& c);

// The same with an explicit list of migrations (ascending versions, not empty) in place of
// the built-in ones: how tests exercise an upgrade across several versions.
migration_report upgrade_schema(sql::Connection& c, const std::vector<migration>& migrations);

}  // namespace gangway
