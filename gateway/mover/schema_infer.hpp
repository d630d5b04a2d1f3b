#pragma once

// `gangway schema infer`, the pure part: a starting model from a catalog's foreign keys.
//
// The rules (docs/mover.md, "What infer writes"):
//  - Owned tables: the root, and every table with a foreign key to an owned table (rows that
//    point at the account's rows are the account's). Shared tables: the tables that owned or
//    shared rows reference and that are not owned (reference data).
//  - Each foreign key between owned tables becomes a relationship from the referenced
//    (parent) columns to the referencing ones, except the root's own references, which go
//    from the root to the parent: following them the other way could reach other accounts.
//    Each foreign key to a shared table becomes a relationship from the referencing columns.
//    A foreign key from the root to itself (account hierarchies) is not followed; it is noted.
//  - Every other table is excluded with the reason "not reachable from the root: review".
//  - gangway_* tables are left out: they are never part of a model.

#include <optional>
#include <string>
#include <vector>

#include "common/config/config.hpp"
#include "gateway/mover/catalog.hpp"
#include "gateway/mover/schema_model.hpp"

namespace gangway::mover {

struct root_guess {
    std::string table;
    std::string reason;  // how it was found, for the operator
};

// The table [login] users_table's account column references by foreign key; else a table
// named after that column ("account_id": account, accounts). nullopt: the caller asks for
// --root.
std::optional<root_guess> guess_root(const database_catalog& catalog, const login_config& login);

struct inferred_schema {
    schema_model model;
    std::vector<std::string> notes;  // what infer could not decide, for a human to settle
    std::size_t foreign_keys = 0;    // foreign keys followed (one relationship each)
};

struct infer_result {
    std::optional<inferred_schema> value;
    std::string error;  // why the root cannot be one, when value is empty
};

infer_result infer_schema(const database_catalog& catalog, const std::string& root_table);

}  // namespace gangway::mover
