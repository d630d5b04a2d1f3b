#pragma once

#include <string>

#include "gateway/mover/catalog.hpp"

namespace sql {
class Connection;
}

namespace gangway::mover {

// Reads the base tables of `schema` (columns, indexes, foreign keys within the schema) from
// information_schema, with prepared statements. Blocking: run it through db_pool. Throws
// sql::SQLException when the server refuses.
database_catalog read_catalog(sql::Connection& c, const std::string& schema);

}  // namespace gangway::mover
